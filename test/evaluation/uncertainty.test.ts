import { describe, expect, it } from 'vitest';
import {
  boxplotStats,
  classBoxplots,
  entropy,
  fivenum,
  mcStandardErrors,
  summariseSamples,
} from '../../src/main/lab/evaluation';

describe('summariseSamples (T × K stochastic probabilities of one image)', () => {
  it('a certain ensemble: zero entropy, zero mutual information, zero variation ratio', () => {
    const s = summariseSamples(Float32Array.from([1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]), 3);
    expect(s).toMatchObject({ samples: 4, meanProbabilities: [1, 0, 0], predictedClass: 0, confidence: 1 });
    expect(s.predictiveEntropy).toBe(0);
    expect(s.mutualInformation).toBe(0);
    expect(s.variationRatio).toBe(0);
  });

  it('an ensemble of confident but disagreeing samples: all of the entropy is mutual information', () => {
    // samples [1,0,0], [0,1,0], [1,0,0], [0,1,0] → mean [½, ½, 0]; H(mean) = ln 2; each sample's entropy 0
    // MI = ln 2 − 0; votes [2, 2, 0]: modal class 0 (count tie → lowest), VR = 1 − 2/4 = ½
    const s = summariseSamples([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0], 3);
    expect(s.meanProbabilities).toEqual([0.5, 0.5, 0]);
    expect(s.predictiveEntropy).toBeCloseTo(Math.LN2, 14);
    expect(s.expectedEntropy).toBe(0);
    expect(s.mutualInformation).toBeCloseTo(Math.LN2, 14);
    expect(s.modalClass).toBe(0);
    expect(s.variationRatio).toBe(0.5);
  });

  it('an ensemble of agreeing but unsure samples: entropy without mutual information', () => {
    // every sample [½, ½, 0]: H(mean) = ln 2 = mean of the sample entropies → MI = 0;
    // every argmax is class 0 (tie → lowest), so VR = 0
    const s = summariseSamples([0.5, 0.5, 0, 0.5, 0.5, 0, 0.5, 0.5, 0], 3);
    expect(s.predictiveEntropy).toBeCloseTo(Math.LN2, 14);
    expect(s.expectedEntropy).toBeCloseTo(Math.LN2, 14);
    expect(s.mutualInformation).toBeCloseTo(0, 14);
    expect(s.variationRatio).toBe(0);
  });

  it('mixed samples: scipy.stats.entropy reference', () => {
    // S = [[0.7,0.2,0.1],[0.5,0.3,0.2],[0.2,0.6,0.2]]; m = S.mean(0) = [0.4667, 0.3667, 0.1667]
    // H = entropy(m) = 1.0221693757432821; EH = mean(entropy(s) for s in S) = 0.9272473686137152
    // MI = 0.094922007129567; argmaxes 0, 0, 1 → VR = 1 − 2/3
    const s = summariseSamples([0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.2, 0.6, 0.2], 3);
    s.meanProbabilities.forEach((p, k) =>
      expect(p).toBeCloseTo([0.4666666666666666, 0.3666666666666667, 1 / 6][k]!, 14),
    );
    expect(s.predictedClass).toBe(0);
    expect(s.predictiveEntropy).toBeCloseTo(1.0221693757432821, 14);
    expect(s.expectedEntropy).toBeCloseTo(0.9272473686137152, 14);
    expect(s.mutualInformation).toBeCloseTo(0.094922007129567, 14);
    expect(s.variationRatio).toBeCloseTo(1 / 3, 14);
    expect(entropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 14);
  });

  it('rejects bad input, naming the argument', () => {
    expect(() => summariseSamples([0.5, 0.5, 0.5], 2)).toThrow(/samples/); // K mismatch
    expect(() => summariseSamples([0.5, NaN], 2)).toThrow(/samples/);
    expect(() => summariseSamples([], 2)).toThrow(/samples/);
  });
});

describe("boxplotStats: R's boxplot.stats(x) (coef 1.5, hinges by fivenum)", () => {
  // R's algorithm (grDevices::boxplot.stats, stats::fivenum), applied by hand:
  //   x sorted, n4 = floor((n + 3)/2)/2, d = c(1, n4, (n+1)/2, n + 1 − n4, n),
  //   fivenum = 0.5 · (x[floor(d)] + x[ceiling(d)]); iqr = hinge₂ − hinge₁;
  //   out = x < hinge₁ − 1.5·iqr | x > hinge₂ + 1.5·iqr; whiskers = range(x[!out]);
  //   conf = median ± 1.58 · iqr / sqrt(n); out listed in input order.

  it('n = 8 with an outlier on each side', () => {
    // x = c(-40, 10, 12, 11, 14, 13, 15, 60); sorted -40 10 11 12 13 14 15 60
    // n4 = floor(11/2)/2 = 2.5; d = (1, 2.5, 4.5, 6.5, 8)
    // fivenum = (-40, (10+11)/2 = 10.5, (12+13)/2 = 12.5, (14+15)/2 = 14.5, 60)
    // iqr = 4; fences 10.5 − 6 = 4.5 and 14.5 + 6 = 20.5 → out = c(-40, 60); whiskers 10, 15
    // conf = 12.5 ± 1.58·4/sqrt(8) = (10.26554257145051, 14.73445742854949)
    // R: $stats 10.0 10.5 12.5 14.5 15.0; $n 8; $conf 10.26554 14.73446; $out -40 60
    // (quantile type 7 would give a lower quartile of 10.75, so this checks the fivenum hinges)
    const b = boxplotStats([-40, 10, 12, 11, 14, 13, 15, 60]);
    expect(b.stats).toEqual([10, 10.5, 12.5, 14.5, 15]);
    expect(b.n).toBe(8);
    expect(b.conf[0]).toBeCloseTo(10.26554257145051, 12);
    expect(b.conf[1]).toBeCloseTo(14.73445742854949, 12);
    expect(b.out).toEqual([-40, 60]);
  });

  it('n = 7: the hinges are medians of halves that include the median; a value on the fence is not an outlier', () => {
    // x = c(6, 1, 10, 2, 5, 3, 4); sorted 1 2 3 4 5 6 10; n4 = floor(10/2)/2 = 2.5; d = (1, 2.5, 4, 5.5, 7)
    // fivenum = (1, (2+3)/2 = 2.5, 4, (5+6)/2 = 5.5, 10) — the lower half 1 2 3 4 includes the median 4
    // iqr = 3; upper fence 5.5 + 4.5 = 10; 10 > 10 is false → no outlier, upper whisker 10
    // conf = 4 ± 1.58·3/sqrt(7) = (2.2084483979362632, 5.791551602063737)
    // R: $stats 1.0 2.5 4.0 5.5 10.0; $n 7; $out numeric(0)
    const b = boxplotStats([6, 1, 10, 2, 5, 3, 4]);
    expect(b.stats).toEqual([1, 2.5, 4, 5.5, 10]);
    expect(b.out).toEqual([]);
    expect(b.conf[0]).toBeCloseTo(2.2084483979362632, 12);
    expect(b.conf[1]).toBeCloseTo(5.791551602063737, 12);
    // 10.5 is beyond the fence: out = 10.5, upper whisker = 6 (the largest value left)
    // R: $stats 1.0 2.5 4.0 5.5 6.0; $out 10.5
    const c = boxplotStats([6, 1, 10.5, 2, 5, 3, 4]);
    expect(c.stats).toEqual([1, 2.5, 4, 5.5, 6]);
    expect(c.out).toEqual([10.5]);
  });

  it('fivenum for n = 1, 2 and 5', () => {
    // n=1: n4 = 2/2 = 1 → all x[1]; n=2: n4 = floor(2.5)/2 = 1, d = (1, 1, 1.5, 2, 2) → (1, 1, 2, 3, 3)
    // n=5: n4 = 4/2 = 2, d = (1, 2, 3, 4, 5)
    expect(fivenum([7])).toEqual([7, 7, 7, 7, 7]);
    expect(fivenum([3, 1])).toEqual([1, 1, 2, 3, 3]);
    expect(fivenum([5, 4, 3, 2, 1])).toEqual([1, 2, 3, 4, 5]);
  });

  it('coef 0 gives whiskers at the extremes and no outliers (as R)', () => {
    expect(boxplotStats([-40, 10, 12, 11, 14, 13, 15, 60], { coef: 0 })).toMatchObject({
      stats: [-40, 10.5, 12.5, 14.5, 60],
      out: [],
    });
  });

  it('per class over T samples', () => {
    // class 0 over T = 5: 0.1 0.2 0.3 0.4 0.9 → fivenum (0.1, 0.2, 0.3, 0.4, 0.9); iqr 0.2;
    // upper fence 0.4 + 0.3 = 0.7 → out 0.9, whisker 0.4. class 1 = 1 − class 0: mirror image.
    const p0 = [0.1, 0.2, 0.3, 0.4, 0.9];
    const samples = new Float64Array(p0.flatMap((p) => [p, 1 - p]));
    const [b0, b1] = classBoxplots(samples, 2);
    expect(b0!.stats).toEqual([0.1, 0.2, 0.3, 0.4, 0.4]);
    expect(b0!.out).toEqual([0.9]);
    expect(b1!.stats.map((v) => Number(v.toFixed(12)))).toEqual([0.6, 0.6, 0.7, 0.8, 0.9]);
    expect(b1!.out.map((v) => Number(v.toFixed(12)))).toEqual([0.1]);
  });

  it('rejects bad input, naming the argument', () => {
    expect(() => boxplotStats([1, NaN])).toThrow(/values/);
    expect(() => boxplotStats([])).toThrow(/values/);
    expect(() => boxplotStats([1], { coef: -1 })).toThrow(/coef/);
    expect(() => classBoxplots([0.5, 0.5, 0.5], 2)).toThrow(/samples/);
  });
});

describe('mcStandardErrors (sd of the first T′ samples / √T′, predicted class)', () => {
  it('by hand', () => {
    // class 0 over T = 4: 0.6 0.8 0.5 0.7 (class 1 = 1 − that) → predicted class 0 (mean 0.65)
    // T′ = 2: mean 0.7, sd = sqrt((0.01 + 0.01)/1) = 0.141421, SE = 0.141421/√2 = 0.1
    // T′ = 4: deviations −0.05 0.15 −0.15 0.05 → Σ² = 0.05, sd = sqrt(0.05/3), SE = sd/2 = 0.0645497224367903
    // T′ = 8 > T: skipped
    const r = mcStandardErrors([0.6, 0.4, 0.8, 0.2, 0.5, 0.5, 0.7, 0.3], 2, { sizes: [2, 4, 8] });
    expect(r.classIndex).toBe(0);
    expect(r.points.map((p) => p.samples)).toEqual([2, 4]);
    expect(r.points[0]!.mean).toBeCloseTo(0.7, 14);
    expect(r.points[0]!.standardError).toBeCloseTo(0.1, 14);
    expect(r.points[1]!.mean).toBeCloseTo(0.65, 14);
    expect(r.points[1]!.standardError).toBeCloseTo(Math.sqrt(0.05 / 3) / 2, 14);
  });

  it('default T′ = 10, 30, 100, 300, 1000: numpy reference', () => {
    // numpy: t = np.arange(1000); p0 = (0.6 + 0.3*np.sin(t)).astype(np.float32).astype(np.float64)
    //   for T in [10, 30, 100, 300, 1000]: p0[:T].mean(), p0[:T].std(ddof=1) / np.sqrt(T)
    const samples = new Float32Array(2000);
    for (let t = 0; t < 1000; t++) {
      samples[2 * t] = 0.6 + 0.3 * Math.sin(t);
      samples[2 * t + 1] = 1 - (0.6 + 0.3 * Math.sin(t));
    }
    const r = mcStandardErrors(samples, 2);
    expect(r.classIndex).toBe(0);
    const expected = [
      [10, 0.6586562842130661, 0.06575094923591282],
      [30, 0.6126808196306228, 0.038739481379453496],
      [100, 0.6011375829577446, 0.021322319462392967],
      [300, 0.6014353451132775, 0.012246886886110194],
      [1000, 0.5999961268007755, 0.006708263292861204],
    ];
    r.points.forEach((p, x) => {
      const [size, mean, se] = expected[x]!;
      expect(p.samples).toBe(size);
      expect(p.mean).toBeCloseTo(mean!, 12);
      expect(p.standardError).toBeCloseTo(se!, 12);
    });
  });

  it('rejects bad input, naming the argument', () => {
    expect(() => mcStandardErrors([0.5, 0.5, 0.5], 2)).toThrow(/samples/);
    expect(() => mcStandardErrors([0.5, 0.5], 2, { sizes: [1] })).toThrow(/options.sizes/);
  });
});
