/**
 * Calibration: expected calibration error (ECE) and reliability-diagram data.
 *
 * Binning (Guo et al. 2017, "On calibration of modern neural networks"): B equal-width bins over
 * confidence in [0, 1] (default B = 15); bin b covers (b/B, (b+1)/B], and the first bin also
 * includes 0, so [0, 1/B]. Boundaries are the float64 numbers b/B and confidences are compared as
 * given (a float32 confidence is promoted exactly), so a value exactly on a boundary goes to the
 * lower bin.
 *
 * ECE = Σ_b (n_b / n) · |accuracy_b − mean confidence_b|; empty bins contribute nothing.
 */
import type { Correctness } from './classification';
import { checkCorrectness, checkInteger, checkSameLength, type Numbers } from './validate';

export interface CalibrationOptions {
  /** Number of equal-width bins; default 15. */
  readonly bins?: number;
}

export interface ReliabilityBin {
  /** Bin covers (lower, upper]; the first bin also includes its lower edge 0. */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean confidence of the bin's images; null for an empty bin. */
  readonly meanConfidence: number | null;
  /** Share of the bin's images classified correctly; null for an empty bin. */
  readonly accuracy: number | null;
}

export interface Calibration {
  readonly ece: number;
  readonly bins: ReliabilityBin[];
}

/** The bin of a confidence in [0, 1]: the b with b/B < c <= (b+1)/B, or 0 for c = 0. */
export function binIndex(confidence: number, bins: number): number {
  let b = Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
  // correct for rounding in confidence·B so that the test is against the boundaries b/B themselves
  while (b > 0 && confidence <= b / bins) b--;
  while (b < bins - 1 && confidence > (b + 1) / bins) b++;
  return b;
}

/** Reliability-diagram bins and the ECE over them. */
export function calibration(confidences: Numbers, correct: Correctness, options: CalibrationOptions = {}): Calibration {
  const bins = options.bins ?? 15;
  checkInteger('options.bins', bins, 1);
  checkSameLength('confidences', confidences, 'correct', correct);
  checkCorrectness('correct', correct);
  const count = new Array<number>(bins).fill(0);
  const confidenceSum = new Array<number>(bins).fill(0);
  const correctSum = new Array<number>(bins).fill(0);
  for (let i = 0; i < confidences.length; i++) {
    const c = confidences[i] as number;
    if (!(c >= 0 && c <= 1))
      throw new RangeError(`confidences: value at index ${i} is ${c}, expected a number in [0, 1]`);
    const b = binIndex(c, bins);
    count[b] = (count[b] as number) + 1;
    confidenceSum[b] = (confidenceSum[b] as number) + c;
    correctSum[b] = (correctSum[b] as number) + (correct[i] ? 1 : 0);
  }
  const n = confidences.length;
  let ece = 0;
  const result = count.map((m, b): ReliabilityBin => {
    const lower = b / bins;
    const upper = (b + 1) / bins;
    if (m === 0) return { lower, upper, count: 0, meanConfidence: null, accuracy: null };
    const meanConfidence = (confidenceSum[b] as number) / m;
    const accuracy = (correctSum[b] as number) / m;
    ece += (m / n) * Math.abs(accuracy - meanConfidence);
    return { lower, upper, count: m, meanConfidence, accuracy };
  });
  return { ece, bins: result };
}

/** ECE alone; see `calibration`. */
export function expectedCalibrationError(
  confidences: Numbers,
  correct: Correctness,
  options: CalibrationOptions = {},
): number {
  return calibration(confidences, correct, options).ece;
}
