/**
 * Multiclass AUC, two ways.
 *
 * 1. `handTillAuc`: Hand & Till (2001), "A simple generalisation of the area under the ROC curve
 *    for multiple class classification problems", Machine Learning 45, 171–186, eq. (7):
 *    M = 2 / (c(c − 1)) · Σ_{i<j} Â(i, j), Â(i, j) = (Â(i|j) + Â(j|i)) / 2, where Â(i|j) is the
 *    two-class AUC of the score p_i over the images of classes i and j (class i positive). This is
 *    what pROC's `multiclass.roc(response, <probability matrix>)` and scikit-learn's
 *    `roc_auc_score(..., multi_class='ovo', average='macro')` compute.
 *
 * 2. `seedStyleAuc`: what the seed notebook computed with `pROC::multiclass.roc(y_true, y_hat)`
 *    where y_hat is the vector of HARD predicted labels (a numeric vector, so pROC takes its
 *    univariate branch). Read from pROC's R/multiclass.R (`multiclass.roc.univariate`), R/roc.R
 *    (`roc.default`) and R/auc.R (`auc.multiclass.roc`), that is:
 *      - levels = levels(as.factor(response)): the classes that occur in y_true, in sorted order
 *        (a level of a factor response with no observations is dropped with a warning);
 *      - for every pair of levels (a, b), a < b, one ROC curve `roc(response, predictor,
 *        levels = c(a, b), direction = "auto")`: controls = predicted labels of the images of
 *        class a, cases = those of class b, everything else ignored. With direction "auto", pROC
 *        uses "<" (cases score higher) when median(controls) <= median(cases), else ">";
 *      - the pair's AUC is the full area under that empirical ROC curve (trapezoids), which equals
 *        the Mann–Whitney statistic P(case > control) + ½ P(tie) for "<", and
 *        P(control > case) + ½ P(tie) for ">";
 *      - the result is 2 · Σ pair AUCs / (c(c − 1)), i.e. the mean over the c(c − 1)/2 pairs.
 *    So each pair contributes ONE AUC of a single ordinal score (the predicted class index — the
 *    numbering of the classes matters, e.g. frog = 1 sits between deer = 0 and truck = 2), not
 *    Hand–Till's symmetrised A(i|j), A(j|i) of class probabilities; and with "auto" a pair's
 *    AUC is below 0.5 only when the medians disagree with the ranks. We reproduce exactly this,
 *    with the predicted labels as numbers (pROC also accepts an ordered factor, converted to its
 *    level codes; an unordered factor is an error there).
 *
 * Ties: every AUC here is the rank (Mann–Whitney) formula with midranks, so a tie between a
 * positive and a negative counts ½. Absent classes: see `AbsentClassRule`.
 */
import { checkFinite, checkLabels, checkProbabilities, checkSameLength, type Numbers } from './validate';

/**
 * Two-class AUC by the rank formula: (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋), R₊ the sum of the midranks of
 * the positives in the pooled sample. Equals P(pos > neg) + ½ P(pos = neg).
 */
export function twoClassAuc(positives: Numbers, negatives: Numbers): number {
  if (positives.length === 0) throw new RangeError('positives: is empty');
  if (negatives.length === 0) throw new RangeError('negatives: is empty');
  checkFinite('positives', positives);
  checkFinite('negatives', negatives);
  const nPos = positives.length;
  const total = nPos + negatives.length;
  const score = (i: number): number => (i < nPos ? positives[i] : negatives[i - nPos]) as number;
  const order = Int32Array.from({ length: total }, (_, i) => i).sort((a, b) => score(a) - score(b));
  let rankSum = 0;
  for (let start = 0; start < total;) {
    const value = score(order[start] as number);
    let end = start + 1;
    while (end < total && score(order[end] as number) === value) end++;
    const midrank = (start + 1 + end) / 2; // mean of the 1-based ranks start+1 … end
    for (let r = start; r < end; r++) if ((order[r] as number) < nPos) rankSum += midrank;
    start = end;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * negatives.length);
}

/**
 * What to do with a class that has no image in `labels` (its pairs have no AUC):
 * 'skip' (default) leaves it out and averages over the pairs of the classes present, as pROC does
 * (it drops empty levels with a warning); 'error' throws. Fewer than two classes present is always
 * an error.
 */
export type AbsentClassRule = 'skip' | 'error';

export interface HandTillOptions {
  readonly absentClasses?: AbsentClassRule;
}

export interface HandTillPair {
  readonly i: number;
  readonly j: number;
  /** Â(i|j): AUC of p_i, class i positive, over the images of classes i and j. */
  readonly aIGivenJ: number;
  /** Â(j|i): AUC of p_j, class j positive. */
  readonly aJGivenI: number;
  /** (Â(i|j) + Â(j|i)) / 2. */
  readonly auc: number;
}

export interface MulticlassAuc<Pair> {
  /** Mean of the pair AUCs. */
  readonly auc: number;
  /** The classes used, ascending. */
  readonly classes: number[];
  readonly pairs: Pair[];
}

/** Class indices of `labels` grouped per class: rows[k] = indices of the images of class k. */
function rowsByClass(labels: Numbers, numClasses: number): number[][] {
  const rows = Array.from({ length: numClasses }, (): number[] => []);
  for (let i = 0; i < labels.length; i++) (rows[labels[i] as number] as number[]).push(i);
  return rows;
}

function presentClasses(rows: number[][], rule: AbsentClassRule): number[] {
  const absent = rows.flatMap((r, k) => (r.length === 0 ? [k] : []));
  if (absent.length > 0 && rule === 'error') {
    throw new RangeError(`labels: no image of class(es) ${absent.join(', ')}`);
  }
  const present = rows.flatMap((r, k) => (r.length > 0 ? [k] : []));
  if (present.length < 2) throw new RangeError(`labels: need images of at least two classes, found ${present.length}`);
  return present;
}

function pairsOf(classes: number[]): [number, number][] {
  return classes.flatMap((a, x) => classes.slice(x + 1).map((b): [number, number] => [a, b]));
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Hand–Till multiclass AUC (M) from class probabilities; see the file comment. */
export function handTillAuc(
  probs: Numbers,
  labels: Numbers,
  numClasses: number,
  options: HandTillOptions = {},
): MulticlassAuc<HandTillPair> {
  const n = checkProbabilities('probs', probs, numClasses);
  checkLabels('labels', labels, numClasses, n);
  const rows = rowsByClass(labels, numClasses);
  const classes = presentClasses(rows, options.absentClasses ?? 'skip');
  const scores = (rowsOf: number[], k: number): number[] => rowsOf.map((r) => probs[r * numClasses + k] as number);
  const pairs = pairsOf(classes).map(([i, j]): HandTillPair => {
    const ri = rows[i] as number[];
    const rj = rows[j] as number[];
    const aIGivenJ = twoClassAuc(scores(ri, i), scores(rj, i));
    const aJGivenI = twoClassAuc(scores(rj, j), scores(ri, j));
    return { i, j, aIGivenJ, aJGivenI, auc: (aIGivenJ + aJGivenI) / 2 };
  });
  return { auc: mean(pairs.map((p) => p.auc)), classes, pairs };
}

/** R's median(): the middle value, or the mean of the two middle values. */
export function medianOf(values: Numbers): number {
  if (values.length === 0) throw new RangeError('values: is empty');
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface SeedStylePair {
  /** The control level (lower class index). */
  readonly control: number;
  /** The case level (higher class index). */
  readonly case: number;
  /** pROC's "auto" choice: '<' when median(controls) <= median(cases), else '>'. */
  readonly direction: '<' | '>';
  readonly auc: number;
}

/**
 * The seed's `pROC::multiclass.roc(y_true, y_hat)` with hard predicted labels as the predictor;
 * see the file comment for exactly what is reproduced. `labels` are non-negative class indices;
 * `predicted` are the predicted class indices, used as an ordinal score. Classes absent from
 * `labels` are skipped (there is no level for them), as in pROC.
 */
export function seedStyleAuc(labels: Numbers, predicted: Numbers): MulticlassAuc<SeedStylePair> {
  checkSameLength('labels', labels, 'predicted', predicted);
  checkFinite('predicted', predicted);
  const numClasses = Array.from(labels).reduce((m, v) => (Number.isInteger(v) && v >= m ? v + 1 : m), 1);
  checkLabels('labels', labels, numClasses);
  const rows = rowsByClass(labels, numClasses);
  const classes = presentClasses(rows, 'skip');
  const pairs = pairsOf(classes).map(([a, b]): SeedStylePair => {
    const controls = (rows[a] as number[]).map((r) => predicted[r] as number);
    const cases = (rows[b] as number[]).map((r) => predicted[r] as number);
    const direction = medianOf(controls) <= medianOf(cases) ? '<' : '>';
    const auc = direction === '<' ? twoClassAuc(cases, controls) : twoClassAuc(controls, cases);
    return { control: a, case: b, direction, auc };
  });
  return { auc: mean(pairs.map((p) => p.auc)), classes, pairs };
}
