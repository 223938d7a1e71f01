import { describe, expect, it } from 'vitest';
import { riskCoverage } from '../../src/main/lab/evaluation';

/** Plain risk–coverage curve of one fixed order (no tie handling): errors among the first k / k. */
function plainCurve(correct: number[]): number[] {
  let errors = 0;
  return correct.map((c, i) => {
    errors += c ? 0 : 1;
    return errors / (i + 1);
  });
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('riskCoverage and AURC', () => {
  it('by hand without ties', () => {
    // sorted: 0.9 ✓, 0.8 ✗, 0.7 ✓, 0.6 ✗ → risks 0/1, 1/2, 1/3, 2/4
    // AURC = (0 + 1/2 + 1/3 + 1/2) / 4 = (4/3) / 4 = 1/3
    const result = riskCoverage([0.7, 0.9, 0.6, 0.8], [1, 1, 0, 0]);
    expect(result.coverage).toEqual([0.25, 0.5, 0.75, 1]);
    expect(result.threshold).toEqual([0.9, 0.8, 0.7, 0.6]);
    result.risk.forEach((r, k) => expect(r).toBeCloseTo([0, 1 / 2, 1 / 3, 1 / 2][k]!, 14));
    expect(result.aurc).toBeCloseTo(1 / 3, 14);
  });

  it('groups tied confidences (hand computation)', () => {
    // groups: {0.9: 1 image, 0 errors}, {0.7: 3 images, 2 errors}, {0.5: 1 image, 0 errors}
    // k=1: 0/1 = 0
    // k=2: (0 + 1·2/3)/2 = 1/3
    // k=3: (0 + 2·2/3)/3 = 4/9
    // k=4: 2/4 = 1/2
    // k=5: 2/5
    // AURC = (0 + 1/3 + 4/9 + 1/2 + 2/5) / 5 = ((0 + 30 + 40 + 45 + 36)/90) / 5 = 151/450
    const confidences = [0.7, 0.5, 0.7, 0.9, 0.7];
    const correct = [false, true, true, true, false];
    const result = riskCoverage(confidences, correct);
    result.risk.forEach((r, k) => expect(r).toBeCloseTo([0, 1 / 3, 4 / 9, 1 / 2, 2 / 5][k]!, 14));
    expect(result.threshold).toEqual([0.9, 0.7, 0.7, 0.7, 0.5]);
    expect(result.aurc).toBeCloseTo(151 / 450, 14);
  });

  it('does not depend on the input order and equals the mean over all tie-break orders', () => {
    const confidences = [0.7, 0.5, 0.7, 0.9, 0.7];
    const correct = [0, 1, 1, 1, 0];
    const reference = riskCoverage(confidences, correct);
    const indices = [0, 1, 2, 3, 4];
    for (const order of permutations(indices)) {
      const shuffled = riskCoverage(
        order.map((i) => confidences[i]!),
        order.map((i) => correct[i]!),
      );
      shuffled.risk.forEach((r, k) => expect(r).toBeCloseTo(reference.risk[k]!, 14));
    }
    // independent check: average the plain curves over the 3! orders of the tied group [✗, ✓, ✗]
    const orders = permutations([0, 1, 0]).map((group) => plainCurve([1, ...group, 1]));
    const mean = orders[0]!.map((_, k) => orders.reduce((s, curve) => s + curve[k]!, 0) / orders.length);
    mean.forEach((r, k) => expect(reference.risk[k]).toBeCloseTo(r, 14));
  });

  it('is 0 when all are right, 1 when all are wrong, and the error rate when all tie', () => {
    expect(riskCoverage([0.9, 0.8], [1, 1]).aurc).toBe(0);
    expect(riskCoverage([0.9, 0.8], [0, 0]).aurc).toBe(1);
    // all tied, 1 error in 4: every k has risk 1/4
    expect(riskCoverage([0.6, 0.6, 0.6, 0.6], [1, 0, 1, 1]).risk).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('rejects bad input, naming the argument', () => {
    expect(() => riskCoverage([0.5, 0.6], [1])).toThrow(/correct/);
    expect(() => riskCoverage([0.5, NaN], [1, 1])).toThrow(/confidences/);
    expect(() => riskCoverage([], [])).toThrow(/confidences/);
  });
});
