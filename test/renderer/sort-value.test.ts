import { describe, expect, it } from 'vitest';
import type { CaseRunResult, CaseSummary } from '../../src/shared/contract';
import { sortValue } from '../../src/renderer/src/lib/sort-value';

const run = (extra: Partial<CaseRunResult>): CaseRunResult => ({
  runId: 1,
  model: 'vnn',
  runLabel: 'VNN #1',
  runColour: '#0072b2',
  group: null,
  predicted: 0,
  predictedClass: 'deer',
  correct: true,
  confidence: 0.9,
  probabilities: [0.9, 0.05, 0.05],
  entropy: 0.4,
  mutualInformation: null,
  variationRatio: null,
  majority: null,
  background: null,
  samples: 1,
  backgroundTest: null,
  ...extra,
});

const item = (runs: CaseRunResult[]): CaseSummary => ({
  datasetId: 1,
  split: 'test',
  index: 7,
  label: 0,
  trueClass: 'deer',
  tags: [],
  note: '',
  runs,
});

describe('sortValue', () => {
  const three = item([
    run({ runId: 1, predicted: 2, confidence: 0.97, entropy: 0.15, background: 0.8 }),
    run({ runId: 2, predicted: 2, confidence: 0.92, entropy: 0.3, mutualInformation: 0.082, variationRatio: 0.1 }),
    run({ runId: 3, predicted: 0, confidence: 0.6, entropy: 0.9, mutualInformation: 0.0806, variationRatio: 0.3 }),
  ]);

  it('shows the mean the list is ranked on, over the runs that have the value', () => {
    expect(sortValue(three, 'index')).toBeNull();
    expect(sortValue(three, 'confidence')).toMatchObject({ label: 'mean confidence', text: '83 %' });
    expect(sortValue(three, 'entropy')).toMatchObject({ label: 'mean entropy', text: '0.45' });
    expect(sortValue(three, 'mi')).toMatchObject({ label: 'mean MI', text: '0.0813' });
    expect(sortValue(three, 'variation')).toMatchObject({ text: '0.2' });
    // one run has a map: its value, not called a mean
    expect(sortValue(three, 'background')).toMatchObject({ label: 'background', text: '80 %' });
    expect(sortValue(three, 'disagreement')).toMatchObject({ label: 'disagreement', text: '1' });
  });

  it('says when no run has the value (those images come last)', () => {
    const deterministic = item([run({})]);
    expect(sortValue(deterministic, 'mi')).toMatchObject({ label: 'MI', text: '–' });
    expect(sortValue(deterministic, 'confidence')).toMatchObject({ label: 'confidence', text: '90 %' });
  });

  it('shows the background dependence over the tested runs, and says when the class flips', () => {
    const test = (dependence: number, flips: boolean) => ({
      predicted: 0,
      base: 0.9,
      variants: [0.9 - dependence, 0.8, 0.9, 0.9],
      variantClasses: [flips ? 1 : 0, 0, 0, 0],
      dependence,
      centreDependence: 0,
      flips,
      flippedTo: flips ? 1 : null,
    });
    const tested = item([
      run({ runId: 1, backgroundTest: test(0.6, true) }),
      run({ runId: 2, backgroundTest: test(0.2, false) }),
      run({ runId: 3 }),
    ]);
    expect(sortValue(tested, 'dependence')).toMatchObject({ label: 'mean bg. dep.', text: '0.4 · flips' });
    expect(sortValue(tested, 'dependence')?.title).toContain(
      'averaged over the 2 tested runs; the class flips in 1 run',
    );
    expect(sortValue(item([run({})]), 'dependence')).toMatchObject({ text: '–' });
  });
});
