// The finder's reason for "Decided by the background": each flipping run, the fill that flips it,
// the class it flips to and what the centre costs; runs that do not flip are left out.
import { describe, expect, it } from 'vitest';
import { backgroundReason } from '../../src/main/lab/store/cases/finder';
import type { CaseRunResult, CaseSummary } from '../../src/shared/contract';

const run = (runId: number, backgroundTest: CaseRunResult['backgroundTest']): CaseRunResult => ({
  runId,
  model: 'cnn',
  runLabel: `CNN #${runId}`,
  runColour: '#0072b2',
  group: null,
  predicted: 2,
  predictedClass: 'truck',
  correct: false,
  confidence: 0.93,
  probabilities: [0.05, 0.02, 0.93],
  entropy: 0.3,
  mutualInformation: null,
  variationRatio: null,
  majority: null,
  background: null,
  samples: 1,
  backgroundTest,
});

describe('backgroundReason', () => {
  it('names each flipping run, the fill, the class it flips to and the centre’s cost', () => {
    const c: CaseSummary = {
      datasetId: 1,
      split: 'test',
      index: 4,
      label: 0,
      trueClass: 'deer',
      tags: [],
      note: '',
      runs: [
        run(1, {
          predicted: 2,
          base: 0.93,
          variants: [0.31, 0.6, 0.8, 0.81],
          variantClasses: [0, 2, 2, 2],
          dependence: 0.62,
          centreDependence: 0.12,
          flips: true,
          flippedTo: 0,
        }),
        run(2, {
          predicted: 2,
          base: 0.9,
          variants: [0.85, 0.88, 0.2, 0.3],
          variantClasses: [2, 2, 0, 0],
          dependence: 0.05,
          centreDependence: 0.7,
          flips: false,
          flippedTo: null,
        }),
        run(3, null),
      ],
    };
    expect(backgroundReason(c, ['deer', 'frog', 'truck'])).toBe(
      'the class flips when only the background changes: CNN #1 says truck 93 %, the background blurred gives deer (truck 31 %); the centre replaced costs it 12 % (true deer)',
    );
  });
});
