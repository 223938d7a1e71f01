/**
 * Uncertainty of one image from T stochastic forward passes (VNN, MC dropout, ensembles).
 *
 * `samples` is a row-major T×K matrix: sample t's probability of class k at t·K + k. All
 * arithmetic is float64; logarithms are natural (nats), with 0 · ln 0 = 0.
 */
import { argmaxRow, checkFinite, checkInteger, checkProbabilities, type Numbers } from './validate';

export interface SampleSummary {
  /** T. */
  readonly samples: number;
  /** p̄_k = (1/T) Σ_t p_tk. */
  readonly meanProbabilities: number[];
  /** argmax of p̄ (ties: lowest class index). */
  readonly predictedClass: number;
  /** p̄ of the predicted class. */
  readonly confidence: number;
  /** H(p̄) = −Σ_k p̄_k ln p̄_k. */
  readonly predictiveEntropy: number;
  /** (1/T) Σ_t H(p_t): the expected (aleatoric) entropy. */
  readonly expectedEntropy: number;
  /** H(p̄) − (1/T) Σ_t H(p_t) (BALD); ≥ 0 by concavity, clamped at 0 against rounding. */
  readonly mutualInformation: number;
  /** The class that is the argmax of the most samples (count ties: lowest class index). */
  readonly modalClass: number;
  /** 1 − (samples whose argmax is the modal class) / T; per-sample argmax ties go to the lowest index. */
  readonly variationRatio: number;
}

/** Shannon entropy in nats of the row-major row `row` (or a whole vector), with 0 · ln 0 = 0. */
export function entropy(p: Numbers, row = 0, numClasses = p.length): number {
  let h = 0;
  for (let k = 0; k < numClasses; k++) {
    const v = p[row * numClasses + k] as number;
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

function meanRows(samples: Numbers, t: number, numClasses: number): number[] {
  const mean = new Array<number>(numClasses).fill(0);
  for (let s = 0; s < t; s++) {
    for (let k = 0; k < numClasses; k++) mean[k] = (mean[k] as number) + (samples[s * numClasses + k] as number);
  }
  return mean.map((v) => v / t);
}

/** Mean probabilities, predictive entropy, mutual information and variation ratio of T samples. */
export function summariseSamples(samples: Numbers, numClasses: number): SampleSummary {
  const t = checkProbabilities('samples', samples, numClasses);
  const meanProbabilities = meanRows(samples, t, numClasses);
  const predictedClass = argmaxRow(meanProbabilities, 0, numClasses);
  const predictiveEntropy = entropy(meanProbabilities);
  let entropySum = 0;
  const votes = new Array<number>(numClasses).fill(0);
  for (let s = 0; s < t; s++) {
    entropySum += entropy(samples, s, numClasses);
    const c = argmaxRow(samples, s, numClasses);
    votes[c] = (votes[c] as number) + 1;
  }
  const expectedEntropy = entropySum / t;
  const modalClass = argmaxRow(votes, 0, numClasses);
  return {
    samples: t,
    meanProbabilities,
    predictedClass,
    confidence: meanProbabilities[predictedClass] as number,
    predictiveEntropy,
    expectedEntropy,
    mutualInformation: Math.max(0, predictiveEntropy - expectedEntropy),
    modalClass,
    variationRatio: 1 - (votes[modalClass] as number) / t,
  };
}

export interface BoxplotOptions {
  /** Whisker reach in IQRs; default 1.5. 0 means whiskers at the extremes and no outliers. */
  readonly coef?: number;
}

/** R's `boxplot.stats(x, coef)` result. */
export interface BoxplotStats {
  /** [lower whisker, lower hinge, median, upper hinge, upper whisker]. */
  readonly stats: [number, number, number, number, number];
  /** Number of values. */
  readonly n: number;
  /** Notch: median ± 1.58 · IQR / √n, IQR = upper hinge − lower hinge. */
  readonly conf: [number, number];
  /** Values beyond the whisker fences, in input order. */
  readonly out: number[];
}

/**
 * R's `fivenum`: minimum, lower hinge, median, upper hinge, maximum (Tukey). With x sorted and
 * 1-based, n4 = ⌊(n + 3)/2⌋ / 2 and d = (1, n4, (n + 1)/2, n + 1 − n4, n), each statistic is
 * ½ (x[⌊d⌋] + x[⌈d⌉]). The hinges are the medians of the lower and upper halves, the halves
 * including the median when n is odd.
 */
export function fivenum(values: Numbers): [number, number, number, number, number] {
  if (values.length === 0) throw new RangeError('values: is empty');
  checkFinite('values', values);
  const x = Float64Array.from(values).sort();
  const n = x.length;
  const n4 = Math.floor((n + 3) / 2) / 2;
  const at = (d: number): number => 0.5 * ((x[Math.floor(d) - 1] as number) + (x[Math.ceil(d) - 1] as number));
  return [at(1), at(n4), at((n + 1) / 2), at(n + 1 - n4), at(n)];
}

/**
 * Tukey boxplot statistics exactly as R's `boxplot.stats(x, coef = 1.5)`: hinges from `fivenum`;
 * a value is an outlier when it is < lower hinge − coef·IQR or > upper hinge + coef·IQR (strict);
 * the whiskers are the smallest and largest non-outliers. Unlike R, which drops NA, a non-finite
 * value is an error.
 */
export function boxplotStats(values: Numbers, options: BoxplotOptions = {}): BoxplotStats {
  const coef = options.coef ?? 1.5;
  if (!(coef >= 0 && Number.isFinite(coef))) throw new RangeError(`options.coef: ${coef} must be finite and ≥ 0`);
  const [min, lowerHinge, median, upperHinge, max] = fivenum(values);
  const iqr = upperHinge - lowerHinge;
  const out: number[] = [];
  let lowerWhisker = Infinity;
  let upperWhisker = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (coef > 0 && (v < lowerHinge - coef * iqr || v > upperHinge + coef * iqr)) {
      out.push(v);
    } else {
      lowerWhisker = Math.min(lowerWhisker, v);
      upperWhisker = Math.max(upperWhisker, v);
    }
  }
  const n = values.length;
  const half = (1.58 * iqr) / Math.sqrt(n);
  return {
    stats:
      out.length > 0
        ? [lowerWhisker, lowerHinge, median, upperHinge, upperWhisker]
        : [min, lowerHinge, median, upperHinge, max],
    n,
    conf: [median - half, median + half],
    out,
  };
}

/** One `boxplotStats` per class over the T samples of that class's probability. */
export function classBoxplots(samples: Numbers, numClasses: number, options: BoxplotOptions = {}): BoxplotStats[] {
  const t = checkProbabilities('samples', samples, numClasses);
  return Array.from({ length: numClasses }, (_, k) =>
    boxplotStats(
      Array.from({ length: t }, (_, s) => samples[s * numClasses + k] as number),
      options,
    ),
  );
}

export interface McErrorOptions {
  /** Prefix sizes T′ to report; sizes larger than the number of samples are skipped. */
  readonly sizes?: readonly number[];
}

export interface McErrorPoint {
  /** T′: the first T′ samples are used. */
  readonly samples: number;
  /** Mean of the predicted class's probability over the first T′ samples. */
  readonly mean: number;
  /** sd / √T′, sd the sample standard deviation (denominator T′ − 1, as R's sd). */
  readonly standardError: number;
}

export interface McStandardErrors {
  /** The class followed: the argmax of the mean over ALL samples (ties: lowest index). */
  readonly classIndex: number;
  readonly points: McErrorPoint[];
}

/**
 * Monte Carlo standard error of the mean predicted probability as a function of T: for each
 * T′ in `sizes` (default 10, 30, 100, 300, 1000), the standard deviation of the predicted class's
 * probability over the first T′ samples divided by √T′. Shows how many samples the means need.
 */
export function mcStandardErrors(samples: Numbers, numClasses: number, options: McErrorOptions = {}): McStandardErrors {
  const t = checkProbabilities('samples', samples, numClasses);
  const sizes = options.sizes ?? [10, 30, 100, 300, 1000];
  sizes.forEach((size, i) => checkInteger(`options.sizes[${i}]`, size, 2));
  const classIndex = argmaxRow(meanRows(samples, t, numClasses), 0, numClasses);
  const points = sizes
    .filter((size) => size <= t)
    .map((size): McErrorPoint => {
      let sum = 0;
      for (let s = 0; s < size; s++) sum += samples[s * numClasses + classIndex] as number;
      const mean = sum / size;
      let squares = 0;
      for (let s = 0; s < size; s++) squares += ((samples[s * numClasses + classIndex] as number) - mean) ** 2;
      return { samples: size, mean, standardError: Math.sqrt(squares / (size - 1)) / Math.sqrt(size) };
    });
  return { classIndex, points };
}
