/**
 * Whole-test-set classification metrics from class probabilities and labels.
 *
 * Shapes: `probs` is a row-major N×K matrix (image i's probability of class k at i·K + k);
 * `labels` and `predicted` hold N class indices in [0, K). Everything is computed in float64.
 */
import { argmaxRow, checkFinite, checkLabels, checkProbabilities, checkSameLength, type Numbers } from './validate';

/** Per-image correctness: 1 where the prediction equals the label, 0 elsewhere. */
export type Correctness = ArrayLike<boolean | number>;

/** Predicted class of every row: the argmax, ties going to the lowest class index. */
export function predictedClasses(probs: Numbers, numClasses: number): Int32Array {
  const n = checkProbabilities('probs', probs, numClasses);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = argmaxRow(probs, i, numClasses);
  return out;
}

/** Confidence of every row: its largest probability. */
export function confidences(probs: Numbers, numClasses: number): Float64Array {
  const n = checkProbabilities('probs', probs, numClasses);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = probs[i * numClasses + argmaxRow(probs, i, numClasses)] as number;
  return out;
}

/** 1 where `predicted[i] === labels[i]`, else 0. */
export function correctness(labels: Numbers, predicted: Numbers): Uint8Array {
  checkSameLength('labels', labels, 'predicted', predicted);
  checkFinite('labels', labels);
  checkFinite('predicted', predicted);
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] === predicted[i] ? 1 : 0;
  return out;
}

/** Share of images whose predicted class equals the label. */
export function accuracy(labels: Numbers, predicted: Numbers): number {
  const correct = correctness(labels, predicted);
  let hits = 0;
  for (const c of correct) hits += c;
  return hits / correct.length;
}

/** K×K counts: `matrix[t][p]` = images of true class t predicted as p (rows true, columns predicted). */
export function confusionMatrix(labels: Numbers, predicted: Numbers, numClasses: number): number[][] {
  checkLabels('labels', labels, numClasses);
  checkLabels('predicted', predicted, numClasses, labels.length);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = matrix[labels[i] as number] as number[];
    row[predicted[i] as number] = (row[predicted[i] as number] as number) + 1;
  }
  return matrix;
}

export interface PrecisionRecall {
  /** TP / (TP + FP) per class; null when the class was never predicted (0/0). */
  readonly precision: (number | null)[];
  /** TP / (TP + FN) per class; null when the class never occurs among the labels (0/0). */
  readonly recall: (number | null)[];
  /** Images of each true class (row sums). */
  readonly support: number[];
  /** Images predicted as each class (column sums). */
  readonly predictedCount: number[];
}

/**
 * Per-class precision and recall from a confusion matrix (rows true, columns predicted).
 * A 0/0 ratio is reported as null, not 0 (scikit-learn's zero_division default) or NaN: "never
 * predicted" is a fact about the model that a 0 would hide.
 */
export function precisionRecall(confusion: readonly (readonly number[])[]): PrecisionRecall {
  const k = confusion.length;
  const support = new Array<number>(k).fill(0);
  const predictedCount = new Array<number>(k).fill(0);
  confusion.forEach((row, t) => {
    if (row.length !== k) throw new RangeError(`confusion: row ${t} has ${row.length} columns, expected ${k}`);
    row.forEach((count, p) => {
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`confusion: [${t}][${p}] is ${count}`);
      support[t] = (support[t] as number) + count;
      predictedCount[p] = (predictedCount[p] as number) + count;
    });
  });
  const diagonal = (c: number): number => (confusion[c] as readonly number[])[c] as number;
  const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);
  return {
    precision: predictedCount.map((den, c) => ratio(diagonal(c), den)),
    recall: support.map((den, c) => ratio(diagonal(c), den)),
    support,
    predictedCount,
  };
}

export interface NllOptions {
  /** p_true is clipped to [clip, 1 − clip] before the log; default 1e-15. */
  readonly clip?: number;
}

/**
 * Negative log-likelihood: mean over images of −ln p_true, with p_true clipped to
 * [1e-15, 1 − 1e-15]. That is scikit-learn's log_loss with its historical default eps=1e-15
 * (up to 1.1; from 1.2 it clips at the dtype's machine epsilon instead). Unlike old scikit-learn
 * we do not renormalise rows after clipping, so rows are taken as given; for rows that sum to 1
 * and have p_true in [1e-15, 1 − 1e-15] the two agree exactly.
 */
export function negativeLogLikelihood(
  probs: Numbers,
  labels: Numbers,
  numClasses: number,
  options: NllOptions = {},
): number {
  return meanOf(nllTerms(probs, labels, numClasses, options));
}

/** Each image's −ln p_true (clipped as `negativeLogLikelihood` says); their mean is the NLL. */
export function nllTerms(probs: Numbers, labels: Numbers, numClasses: number, options: NllOptions = {}): Float64Array {
  const clip = options.clip ?? 1e-15;
  if (!(clip >= 0 && clip < 0.5)) throw new RangeError(`options.clip: ${clip} is not in [0, 0.5)`);
  const n = checkProbabilities('probs', probs, numClasses);
  checkLabels('labels', labels, numClasses, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = probs[i * numClasses + (labels[i] as number)] as number;
    out[i] = -Math.log(Math.min(1 - clip, Math.max(clip, p)));
  }
  return out;
}

function meanOf(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

/**
 * Multiclass Brier score in Brier's (1950) original form: mean over images of
 * Σ_k (p_k − y_k)², y the one-hot label. Range [0, 2]; it is neither divided by K nor halved
 * (for K = 2 it is twice the usual binary Brier score of the positive class).
 */
export function brierScore(probs: Numbers, labels: Numbers, numClasses: number): number {
  return meanOf(brierTerms(probs, labels, numClasses));
}

/** Each image's Σ_k (p_k − y_k)²; their mean is the Brier score. */
export function brierTerms(probs: Numbers, labels: Numbers, numClasses: number): Float64Array {
  const n = checkProbabilities('probs', probs, numClasses);
  checkLabels('labels', labels, numClasses, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let k = 0; k < numClasses; k++) {
      const d = (probs[i * numClasses + k] as number) - (labels[i] === k ? 1 : 0);
      total += d * d;
    }
    out[i] = total;
  }
  return out;
}
