import { describe, expect, it } from 'vitest';
import {
  bootstrapRuns,
  metricSamples,
  pairedBootstrapP,
  pairedDifferences,
  percentileInterval,
  prepareRun,
  quantileSorted,
  seedGroupDifference,
  type PreparedRun,
} from '../../../src/main/lab/evaluation/stats';
import { seededRandom } from '../../../src/main/lab/training/random';

const ACCURACY_ONLY = [true, false, false, false, false, false, false];

/** Two classes; image i is right where `right[i]`, with confidence 0.6–1. */
function runOf(right: ArrayLike<number>, random: () => number): PreparedRun {
  const n = right.length;
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const predicted = labels.map((l, i) => (right[i] ? l : 1 - l));
  const confidence = predicted.map(() => 0.6 + 0.4 * random());
  const probabilities = predicted.flatMap((p, i) =>
    p === 0
      ? [confidence[i] as number, 1 - (confidence[i] as number)]
      : [1 - (confidence[i] as number), confidence[i] as number],
  );
  return prepareRun({ labels, predicted, confidence, probabilities, classes: 2 });
}

describe('percentile bootstrap', () => {
  it('quantiles are R type 7', () => {
    // R: quantile(c(1, 2, 3, 4, 10), c(0.025, 0.975)) → 1.1, 9.4
    const sorted = [1, 2, 3, 4, 10];
    expect(quantileSorted(sorted, 0.025)).toBeCloseTo(1.1, 12);
    expect(quantileSorted(sorted, 0.975)).toBeCloseTo(9.4, 12);
    expect(percentileInterval([10, NaN, 3, 1, 4, 2])).toEqual([
      quantileSorted(sorted, 0.025),
      quantileSorted(sorted, 0.975),
    ]);
  });

  it('covers a known accuracy in 93–97 % of 1,000 seeded simulations', () => {
    const truth = 0.8;
    const n = 200;
    const random = seededRandom(2026);
    let covered = 0;
    const simulations = 1000;
    for (let s = 0; s < simulations; s++) {
      const right = Uint8Array.from({ length: n }, () => (random() < truth ? 1 : 0));
      const boot = bootstrapRuns([runOf(right, random)], { resamples: 1000, seed: s, mask: ACCURACY_ONLY });
      const [lo, hi] = percentileInterval(metricSamples(boot.runs[0]!, 0, 1000));
      if (lo <= truth && truth <= hi) covered++;
    }
    expect(covered / simulations).toBeGreaterThanOrEqual(0.93);
    expect(covered / simulations).toBeLessThanOrEqual(0.97);
  });

  it('is reproducible from its seed, and another seed gives other resamples', () => {
    const random = seededRandom(1);
    const run = runOf(
      Uint8Array.from({ length: 300 }, () => (random() < 0.7 ? 1 : 0)),
      random,
    );
    const a = bootstrapRuns([run], { resamples: 200, seed: 9 });
    const b = bootstrapRuns([run], { resamples: 200, seed: 9 });
    const c = bootstrapRuns([run], { resamples: 200, seed: 10 });
    expect(a.runs[0]!.resampled).toEqual(b.runs[0]!.resampled);
    expect(a.runs[0]!.resampled).not.toEqual(c.runs[0]!.resampled);
  });

  it('paired intervals are narrower than unpaired when two runs agree on most images', () => {
    const random = seededRandom(3);
    const n = 3000;
    const first = Uint8Array.from({ length: n }, () => (random() < 0.8 ? 1 : 0));
    // the second run differs from the first on 3 % of the images
    const second = first.map((r) => (random() < 0.03 ? 1 - r : r));
    const a = runOf(first, random);
    const b = runOf(second, random);
    const B = 1000;
    const paired = bootstrapRuns([a, b], { resamples: B, seed: 1, mask: ACCURACY_ONLY });
    const pairedCi = percentileInterval(
      pairedDifferences(metricSamples(paired.runs[1]!, 0, B), metricSamples(paired.runs[0]!, 0, B)),
    );
    // unpaired: each run resampled on its own
    const alone = [
      bootstrapRuns([a], { resamples: B, seed: 1, mask: ACCURACY_ONLY }),
      bootstrapRuns([b], { resamples: B, seed: 2, mask: ACCURACY_ONLY }),
    ];
    const unpairedCi = percentileInterval(
      pairedDifferences(metricSamples(alone[1]!.runs[0]!, 0, B), metricSamples(alone[0]!.runs[0]!, 0, B)),
    );
    const width = ([lo, hi]: [number, number]) => hi - lo;
    expect(width(pairedCi)).toBeLessThan(width(unpairedCi) / 3);
  });

  it('p of the paired bootstrap: small when every difference is on one side, 1 when none', () => {
    expect(pairedBootstrapP(new Float64Array(999).fill(0.01))).toBeCloseTo(2 / 1000, 12);
    expect(pairedBootstrapP(new Float64Array(999).fill(0))).toBe(1);
    const half = Float64Array.from({ length: 1000 }, (_, i) => (i < 500 ? -1 : 1));
    expect(pairedBootstrapP(half)).toBe(1);
  });

  it('refuses runs with different numbers of images', () => {
    const random = seededRandom(4);
    expect(() =>
      bootstrapRuns([runOf(new Uint8Array(10).fill(1), random), runOf(new Uint8Array(12).fill(1), random)]),
    ).toThrow(/not the same test set/);
  });
});

describe('groups of seeds', () => {
  it('difference of seed means, interval over seeds (and images when given)', () => {
    const a = { values: [0.8, 0.81, 0.79, 0.805, 0.795] };
    const b = { values: [0.7, 0.71, 0.69, 0.705, 0.695] };
    const result = seedGroupDifference(a, b, { resamples: 2000, seed: 1 });
    expect(result.difference).toBeCloseTo(0.1, 12);
    expect(result.ci[0]).toBeGreaterThan(0.08);
    expect(result.ci[1]).toBeLessThan(0.12);
    expect(result.over).toBe('seeds');
    const wide = (v: number) => Float64Array.from({ length: 500 }, (_, i) => v + (i % 2 === 0 ? 0.05 : -0.05));
    const withImages = seedGroupDifference(
      { ...a, resampled: a.values.map(wide) },
      { ...b, resampled: b.values.map((v) => wide(v).reverse()) },
      { seed: 1 },
    );
    expect(withImages.over).toBe('seeds and test images');
    expect(withImages.ci[1] - withImages.ci[0]).toBeGreaterThan(result.ci[1] - result.ci[0]);
  });
});
