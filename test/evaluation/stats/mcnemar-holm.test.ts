import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import { describe, expect, it } from 'vitest';
import { binomialHalfCdf, holm, mcnemarExact, mcnemarOfCorrectness } from '../../../src/main/lab/evaluation/stats';

describe("McNemar's exact test", () => {
  it('10 vs 2 discordant pairs: exact two-sided p = 0.0386 (2 · 79/4096)', () => {
    expect(mcnemarExact(10, 2).p).toBeCloseTo(0.0386, 4);
    expect(mcnemarExact(10, 2).p).toBeCloseTo((2 * 79) / 4096, 14);
    expect(mcnemarExact(2, 10).p).toBe(mcnemarExact(10, 2).p);
  });

  it('matches hand-made tables', () => {
    // b = 1, c = 7: 2 · (C(8,0) + C(8,1)) / 2⁸ = 18/256 = 0.0703125 (R: binom.test(1, 8)$p.value)
    expect(mcnemarExact(1, 7).p).toBeCloseTo(0.0703125, 12);
    // b = 0, c = 5: 2 / 32 = 0.0625 — five discordant images can never reach 5 %
    expect(mcnemarExact(0, 5).p).toBeCloseTo(0.0625, 12);
    // no discordant pair, or as many each way: no evidence at all
    expect(mcnemarExact(0, 0).p).toBe(1);
    expect(mcnemarExact(6, 6).p).toBe(1);
  });

  it('agrees with @stdlib/stats-base-dists-binomial-cdf up to n = 3,000', () => {
    for (const [k, n] of [
      [0, 1],
      [3, 20],
      [49, 100],
      [1400, 3000],
      [1, 3000],
      [1499, 3000],
    ] as const)
      expect(binomialHalfCdf(k, n)).toBeCloseTo(binomialCdf(k, n, 0.5), 10);
    // far in the tail, relative agreement (p ≈ 1e-13)
    expect(binomialHalfCdf(1300, 3000) / binomialCdf(1300, 3000, 0.5)).toBeCloseTo(1, 9);
  });

  it('counts the discordant images of two runs', () => {
    const a = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1];
    const b = [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    // right in a, wrong in b: indices 0,1,5..11 → 9; wrong in a, right in b: index 3 → 1
    expect(mcnemarOfCorrectness(a, b)).toEqual({ b: 9, c: 1, p: mcnemarExact(9, 1).p });
    expect(() => mcnemarOfCorrectness([1], [1, 0])).toThrow(/same images/);
  });
});

describe("Holm's correction", () => {
  it('matches R p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm")', () => {
    // R: 0.03 0.06 0.06 0.02
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 12));
  });

  it('caps at 1 and keeps a single p-value', () => {
    expect(holm([0.5, 0.6])).toEqual([1, 1]);
    expect(holm([0.02])).toEqual([0.02]);
    expect(() => holm([1.5])).toThrow(/pValues/);
  });
});
