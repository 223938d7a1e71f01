import { describe, expect, it } from 'vitest';
import {
  binIndex,
  calibration,
  confidences,
  correctness,
  expectedCalibrationError,
} from '../../src/main/lab/evaluation';
import { K, LABELS, PREDICTED, PROBS } from './fixture';

describe('binIndex: bin b covers (b/15, (b+1)/15], the first bin also 0', () => {
  it('puts boundary values in the lower bin', () => {
    expect(binIndex(0, 15)).toBe(0);
    expect(binIndex(1 / 15, 15)).toBe(0);
    expect(binIndex(1 / 15 + 1e-12, 15)).toBe(1);
    expect(binIndex(2 / 15, 15)).toBe(1);
    expect(binIndex(10 / 15, 15)).toBe(9);
    expect(binIndex(0.5, 15)).toBe(7); // 7/15 = 0.4667 < 0.5 ≤ 8/15 = 0.5333
    expect(binIndex(1, 15)).toBe(14);
    for (let b = 1; b <= 15; b++) expect(binIndex(b / 15, 15)).toBe(b - 1);
  });
});

describe('calibration (ECE, 15 bins, and reliability-diagram data)', () => {
  it('by hand, with empty bins contributing nothing', () => {
    // conf 0.05, 0.06 → bin 0 (≤ 1/15); 0.5 → bin 7; 0.95, 1.0 → bin 14 (> 14/15 = 0.9333)
    // bin 0: n 2, mean conf 0.055, acc 1/2 → 2/5 · |0.5 − 0.055| = 0.178
    // bin 7: n 1, conf 0.5, acc 1        → 1/5 · 0.5             = 0.1
    // bin 14: n 2, conf 0.975, acc 1     → 2/5 · 0.025           = 0.01
    // ECE = 0.288; the 12 other bins are empty
    const result = calibration([0.05, 0.06, 0.5, 0.95, 1.0], [true, false, true, true, true]);
    expect(result.ece).toBeCloseTo(0.288, 14);
    expect(result.bins).toHaveLength(15);
    expect(result.bins[0]).toMatchObject({ lower: 0, count: 2, accuracy: 0.5 });
    expect(result.bins[0]!.meanConfidence).toBeCloseTo(0.055, 14);
    expect(result.bins[7]).toMatchObject({ count: 1, meanConfidence: 0.5, accuracy: 1 });
    expect(result.bins[14]).toMatchObject({ upper: 1, count: 2, meanConfidence: 0.975, accuracy: 1 });
    const empty = result.bins.filter((b) => b.count === 0);
    expect(empty).toHaveLength(12);
    for (const bin of empty) {
      expect(bin.meanConfidence).toBeNull();
      expect(bin.accuracy).toBeNull();
    }
  });

  it('is 0 when each bin’s accuracy equals its confidence', () => {
    // bin 14 (conf 1.0, all right) and bin 7 (conf 0.5, one of two right)
    expect(expectedCalibrationError([1, 1, 0.5, 0.5], [1, 1, 1, 0])).toBe(0);
  });

  it('takes the number of bins as an option', () => {
    // 2 bins: [0, 0.5] and (0.5, 1]. conf 0.5 (right) → bin 0: |1 − 0.5| · 1/2; conf 0.9 (wrong) → bin 1: |0 − 0.9| · 1/2
    // ECE = 0.25 + 0.45 = 0.7
    expect(expectedCalibrationError([0.5, 0.9], [1, 0], { bins: 2 })).toBeCloseTo(0.7, 14);
  });

  it('fixture: numpy reference 0.12', () => {
    // numpy: conf = P.max(1); correct = P.argmax(1) == labels; for b in range(15): lo, hi = b/15, (b+1)/15;
    //   m = ((conf > lo) | ((b == 0) & (conf == 0))) & (conf <= hi)
    //   ece += m.sum()/N * abs(correct[m].mean() - conf[m].mean())   → 0.12
    const conf = confidences(PROBS, K);
    const correct = correctness(LABELS, PREDICTED);
    expect(expectedCalibrationError(conf, correct)).toBeCloseTo(0.12, 12);
    const bins = calibration(conf, correct).bins;
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(30);
  });

  it('rejects bad input, naming the argument', () => {
    expect(() => calibration([0.5, 0.6], [1])).toThrow(/correct/); // length mismatch
    expect(() => calibration([0.5, NaN], [1, 1])).toThrow(/confidences/); // NaN
    expect(() => calibration([0.5, 1.2], [1, 1])).toThrow(/confidences/);
    expect(() => calibration([0.5], [2])).toThrow(/correct/);
    expect(() => calibration([0.5], [1], { bins: 0 })).toThrow(/options.bins/);
  });
});
