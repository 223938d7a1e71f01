/**
 * The test-set metrics of one run at image WEIGHTS: weight w_i = how many times image i is in a
 * bootstrap resample (all 1 for the test set itself). A resample is never materialised: every
 * metric below equals the metric of `evaluation/` computed on the resample with image i repeated
 * w_i times (test/evaluation/stats/weighted-metrics.test.ts checks each against those functions).
 *
 * What each image contributes that does not depend on the weights is prepared once per run, from
 * the functions that define the metrics: `correctness`, `nllTerms`, `brierTerms`, `binIndex` (ECE).
 * The sorts that ranks need (AURC by confidence, Hand–Till by each class's probability) are done
 * once too; a resample then costs one sweep over each sorted order:
 *  - Hand–Till: for the score p_i, sweeping from the highest, N_ij += w_q · (weight of class-i
 *    images above q) for each image q of class j (half of the tied ones), so Â(i|j) = N_ij / (W_i W_j)
 *    for every j in one pass: K passes of n per resample, no sort.
 *  - seed-style AUC: the weighted confusion matrix is all it depends on (its scores are labels).
 *  - AURC: per tie group of confidence, Σ_j (E + j e/m)/(M + j) in closed form with harmonic numbers.
 */
import { binIndex } from '../calibration';
import { brierTerms, correctness, nllTerms } from '../classification';
import { checkLabels, checkProbabilities, type Numbers } from '../validate';

/** The metrics with an interval, in this order everywhere (`MetricValues[m]`). */
export const STAT_METRICS = ['accuracy', 'aucHandTill', 'aucSeedStyle', 'nll', 'brier', 'ece', 'aurc'] as const;
export type StatMetric = (typeof STAT_METRICS)[number];

/** One run's stored predictions on its test set. */
export interface RunPredictions {
  /** True class per image. */
  readonly labels: Numbers;
  /** Predicted class per image (the argmax of the mean probabilities). */
  readonly predicted: Numbers;
  /** Mean probability of the predicted class per image. */
  readonly confidence: Numbers;
  /** N × K mean probabilities, row-major. */
  readonly probabilities: Numbers;
  readonly classes: number;
}

/** Everything about a run that the weights do not change; see the file comment. */
export interface PreparedRun {
  readonly n: number;
  readonly k: number;
  readonly labels: Uint8Array;
  readonly predicted: Uint8Array;
  readonly correct: Uint8Array;
  readonly nll: Float64Array;
  readonly brier: Float64Array;
  readonly confidence: Float64Array;
  readonly bin: Uint8Array;
  readonly bins: number;
  /** Images by confidence, highest first, and where each tie group of that order ends. */
  readonly byConfidence: Int32Array;
  readonly confidenceGroupEnd: Int32Array;
  /** K orders of the images: by p_i descending, the i-th at [i·n, (i+1)·n); with their labels. */
  readonly byScore: Int32Array;
  readonly byScoreLabel: Uint8Array;
  /** Per score i, the end of each position's tie group, or null when that score has no ties. */
  readonly scoreGroupEnd: (Int32Array | null)[];
}

const ECE_BINS = 15;

/** End (exclusive) of the tie group of every position of `order` under `value`. */
function groupEnds(order: Int32Array, value: (index: number) => number): { ends: Int32Array; ties: boolean } {
  const n = order.length;
  const ends = new Int32Array(n);
  let ties = false;
  for (let start = 0; start < n; ) {
    const v = value(order[start] as number);
    let end = start + 1;
    while (end < n && value(order[end] as number) === v) end++;
    if (end - start > 1) ties = true;
    for (let r = start; r < end; r++) ends[r] = end;
    start = end;
  }
  return { ends, ties };
}

function descending(n: number, value: (index: number) => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => value(b) - value(a) || a - b);
}

/** Prepares a run's predictions for `metricsAt`. */
export function prepareRun(input: RunPredictions): PreparedRun {
  const k = input.classes;
  if (k > 255) throw new RangeError(`classes: at most 255 classes, got ${k}`);
  const n = checkProbabilities('probabilities', input.probabilities, k);
  checkLabels('labels', input.labels, k, n);
  checkLabels('predicted', input.predicted, k, n);
  if (input.confidence.length !== n)
    throw new RangeError(`confidence: has ${input.confidence.length} values, expected ${n}`);
  const confidence = Float64Array.from(input.confidence);
  const bin = Uint8Array.from(confidence, (c, i) => {
    if (!(c >= 0 && c <= 1)) throw new RangeError(`confidence: value at index ${i} is ${c}, expected [0, 1]`);
    return binIndex(c, ECE_BINS);
  });
  const byConfidence = descending(n, (i) => confidence[i] as number);
  const byScore = new Int32Array(k * n);
  const byScoreLabel = new Uint8Array(k * n);
  const scoreGroupEnd: (Int32Array | null)[] = [];
  for (let s = 0; s < k; s++) {
    const score = (i: number): number => input.probabilities[i * k + s] as number;
    const order = descending(n, score);
    byScore.set(order, s * n);
    for (let r = 0; r < n; r++) byScoreLabel[s * n + r] = input.labels[order[r] as number] as number;
    const { ends, ties } = groupEnds(order, score);
    scoreGroupEnd.push(ties ? ends : null);
  }
  return {
    n,
    k,
    labels: Uint8Array.from(input.labels),
    predicted: Uint8Array.from(input.predicted),
    correct: correctness(input.labels, input.predicted),
    nll: nllTerms(input.probabilities, input.labels, k),
    brier: brierTerms(input.probabilities, input.labels, k),
    confidence,
    bin,
    bins: ECE_BINS,
    byConfidence,
    confidenceGroupEnd: groupEnds(byConfidence, (i) => confidence[i] as number).ends,
    byScore,
    byScoreLabel,
    scoreGroupEnd,
  };
}

/** Resamples evaluated together: one pass over a sorted order serves this many (see `metricsBlock`). */
export const LANES = 8;

/** Scratch space for `metricsBlock`, reused across blocks (no allocation per resample). */
export interface Scratch {
  readonly lanes: number;
  readonly harmonic: Float64Array;
  readonly sums: Float64Array;
  readonly classWeight: Float64Array;
  readonly pairCount: Float64Array;
  readonly confusion: Float64Array;
  /** Per lane and bin: Σ w·(correct − confidence); |that| / n summed over bins is the ECE. */
  readonly binGap: Float64Array;
  /** Per-lane running sums of the AURC sweep (5 × lanes) and of the Hand–Till sweep (2 × lanes). */
  readonly aurcLanes: Float64Array;
  readonly scoreLanes: Float64Array;
}

export function scratchFor(run: PreparedRun, lanes = LANES): Scratch {
  const harmonic = new Float64Array(run.n + 1);
  for (let i = 1; i <= run.n; i++) harmonic[i] = (harmonic[i - 1] as number) + 1 / i;
  return {
    lanes,
    harmonic,
    sums: new Float64Array(4 * lanes),
    classWeight: new Float64Array(lanes * run.k),
    pairCount: new Float64Array(lanes * run.k * run.k),
    confusion: new Float64Array(lanes * run.k * run.k),
    binGap: new Float64Array(lanes * run.bins),
    aurcLanes: new Float64Array(5 * lanes),
    scoreLanes: new Float64Array(2 * lanes),
  };
}

/** Which metrics to compute (all by default); the others come out NaN. */
export type MetricMask = readonly boolean[];

const M = STAT_METRICS.length;

/**
 * The metrics of `run` at one resample's weights (integers ≥ 0, not all 0), in `STAT_METRICS`
 * order. A metric undefined on the resample (an AUC with fewer than two classes present) is NaN.
 */
export function metricsAt(run: PreparedRun, weights: Numbers, out = new Float64Array(M), mask?: MetricMask): Float64Array {
  if (weights.length !== run.n) throw new RangeError(`weights: has ${weights.length} values, the run ${run.n} images`);
  const block = new Uint16Array(run.n);
  for (let i = 0; i < run.n; i++) {
    const w = weights[i] as number;
    if (!Number.isInteger(w) || w < 0 || w > 0xffff)
      throw new RangeError(`weights: value at index ${i} is ${w}, expected a count of images`);
    block[i] = w;
  }
  metricsBlock(run, block, out, scratchFor(run, 1), mask);
  return out;
}

/**
 * The metrics at `scratch.lanes` resamples at once. `weights` holds n × lanes counts, image-major
 * (image i's count in resample b at i·lanes + b), so each pass over a sorted order reads an
 * image's counts for every lane from one cache line. Writes lanes × 7 values into `out`
 * (resample b's metric m at b·7 + m).
 */
export function metricsBlock(
  run: PreparedRun,
  weights: Uint16Array,
  out: Float64Array,
  scratch: Scratch,
  mask?: MetricMask,
): void {
  const { n, k } = run;
  const L = scratch.lanes;
  const kk = k * k;
  const want = (m: number): boolean => mask === undefined || mask[m] === true;
  const { sums, classWeight, confusion, binGap } = scratch;
  const { correct, labels, predicted, bin, confidence, bins } = run;
  const nllTerm = run.nll;
  const brierTerm = run.brier;
  sums.fill(0);
  confusion.fill(0);
  binGap.fill(0);
  // Branch-free over lanes (a count of 0 adds 0): the zero counts, a third of them, fall at random.
  // Accuracy and the class weights are read off the confusion matrix below; the ECE needs only
  // Σ w·(correct − confidence) per bin (an empty bin's is 0, and contributes 0 as it should).
  for (let i = 0; i < n; i++) {
    const base = i * L;
    const nl = nllTerm[i] as number;
    const br = brierTerm[i] as number;
    const cell = (labels[i] as number) * k + (predicted[i] as number);
    const gapBin = bin[i] as number;
    const gap = (correct[i] as number) - (confidence[i] as number);
    for (let b = 0; b < L; b++) {
      const w = weights[base + b] as number;
      sums[b] = (sums[b] as number) + w;
      sums[L + b] = (sums[L + b] as number) + w * nl;
      sums[2 * L + b] = (sums[2 * L + b] as number) + w * br;
      confusion[b * kk + cell] = (confusion[b * kk + cell] as number) + w;
      const j = b * bins + gapBin;
      binGap[j] = (binGap[j] as number) + w * gap;
    }
  }
  classWeight.fill(0);
  // lanes: Σw [0, L), Σw·nll [L, 2L), Σw·brier [2L, 3L), Σw·correct [3L, 4L)
  for (let b = 0; b < L; b++)
    for (let t = 0; t < k; t++)
      for (let p = 0; p < k; p++) {
        const count = confusion[b * kk + t * k + p] as number;
        classWeight[b * k + t] = (classWeight[b * k + t] as number) + count;
        if (t === p) sums[3 * L + b] = (sums[3 * L + b] as number) + count;
      }
  const aurc = scratch.aurcLanes;
  if (want(6)) aurcBlock(run, weights, scratch, aurc);
  if (want(1)) handTillBlock(run, weights, scratch);
  for (let b = 0; b < L; b++) {
    const total = sums[b] as number;
    const o = b * M;
    out[o] = (sums[3 * L + b] as number) / total;
    out[o + 1] = want(1) ? handTillLane(run, scratch, b) : NaN;
    out[o + 2] = want(2) ? seedStyleLane(run, scratch, b) : NaN;
    out[o + 3] = (sums[L + b] as number) / total;
    out[o + 4] = (sums[2 * L + b] as number) / total;
    let ece = 0;
    // Σ_b (n_b/n)·|acc_b − conf_b| = Σ_b |Σ_{i in b} w_i (correct_i − confidence_i)| / n
    for (let j = b * bins; j < (b + 1) * bins; j++) ece += Math.abs(binGap[j] as number);
    out[o + 5] = want(5) ? ece / total : NaN;
    out[o + 6] = want(6) ? (aurc[b] as number) / total : NaN;
  }
}

/** Σ over coverages of the risk, per lane, into `sum[0 … L)` (divide by the total for AURC). */
function aurcBlock(run: PreparedRun, weights: Uint16Array, scratch: Scratch, sum: Float64Array): void {
  const { byConfidence, confidenceGroupEnd, correct } = run;
  const L = scratch.lanes;
  const H = scratch.harmonic;
  // lanes: sum [0, L), M before [L, 2L), E errors before [2L, 3L), group m [3L, 4L), group e [4L, 5L)
  sum.fill(0);
  for (let start = 0; start < run.n; ) {
    const end = confidenceGroupEnd[start] as number;
    if (end === start + 1) {
      // one image: e/m is its error (0 or 1)
      const i = byConfidence[start] as number;
      const error = 1 - (correct[i] as number);
      const base = i * L;
      for (let b = 0; b < L; b++) {
        const m = weights[base + b] as number; // 0 adds 0
        const before = sum[L + b] as number;
        const dH = (H[before + m] as number) - (H[before] as number);
        sum[b] = (sum[b] as number) + (sum[2 * L + b] as number) * dH + error * (m - before * dH);
        sum[L + b] = before + m;
        sum[2 * L + b] = (sum[2 * L + b] as number) + error * m;
      }
    } else {
      sum.fill(0, 3 * L, 5 * L);
      for (let r = start; r < end; r++) {
        const i = byConfidence[r] as number;
        const error = 1 - (correct[i] as number);
        for (let b = 0; b < L; b++) {
          const w = weights[i * L + b] as number;
          sum[3 * L + b] = (sum[3 * L + b] as number) + w;
          sum[4 * L + b] = (sum[4 * L + b] as number) + w * error;
        }
      }
      for (let b = 0; b < L; b++) {
        const m = sum[3 * L + b] as number;
        if (m === 0) continue;
        const e = sum[4 * L + b] as number;
        const before = sum[L + b] as number;
        // Σ_{j=1..m} (E + j·e/m)/(M + j) = E·(H(M+m) − H(M)) + (e/m)·(m − M·(H(M+m) − H(M)))
        const dH = (H[before + m] as number) - (H[before] as number);
        sum[b] = (sum[b] as number) + (sum[2 * L + b] as number) * dH + (e / m) * (m - before * dH);
        sum[L + b] = before + m;
        sum[2 * L + b] = (sum[2 * L + b] as number) + e;
      }
    }
    start = end;
  }
}

/** N_sj per lane into `scratch.pairCount` (lane b's N_sj at b·k² + s·k + j); see the file comment. */
function handTillBlock(run: PreparedRun, weights: Uint16Array, scratch: Scratch): void {
  const { n, k, byScore, byScoreLabel } = run;
  const L = scratch.lanes;
  const kk = k * k;
  const N = scratch.pairCount;
  const above = scratch.scoreLanes; // [0, L): weight of class-s images above; [L, 2L): tied ones
  N.fill(0);
  for (let s = 0; s < k; s++) {
    const base = s * n;
    const ends = run.scoreGroupEnd[s];
    above.fill(0, 0, 2 * L);
    if (ends === null || ends === undefined) {
      for (let r = base; r < base + n; r++) {
        const wi = (byScore[r] as number) * L;
        const label = byScoreLabel[r] as number;
        if (label === s) {
          for (let b = 0; b < L; b++) above[b] = (above[b] as number) + (weights[wi + b] as number);
        } else {
          const row = s * k + label;
          for (let b = 0; b < L; b++)
            N[b * kk + row] = (N[b * kk + row] as number) + (weights[wi + b] as number) * (above[b] as number);
        }
      }
    } else {
      for (let start = 0; start < n; ) {
        const end = ends[start] as number;
        above.fill(0, L, 2 * L);
        for (let r = start; r < end; r++)
          if (byScoreLabel[base + r] === s) {
            const wi = (byScore[base + r] as number) * L;
            for (let b = 0; b < L; b++) above[L + b] = (above[L + b] as number) + (weights[wi + b] as number);
          }
        for (let r = start; r < end; r++) {
          const label = byScoreLabel[base + r] as number;
          if (label === s) continue;
          const wi = (byScore[base + r] as number) * L;
          const row = s * k + label;
          for (let b = 0; b < L; b++)
            N[b * kk + row] =
              (N[b * kk + row] as number) +
              (weights[wi + b] as number) * ((above[b] as number) + (above[L + b] as number) / 2);
        }
        for (let b = 0; b < L; b++) above[b] = (above[b] as number) + (above[L + b] as number);
        start = end;
      }
    }
  }
}

function handTillLane(run: PreparedRun, scratch: Scratch, lane: number): number {
  const { k } = run;
  const N = scratch.pairCount;
  const o = lane * k * k;
  const W = scratch.classWeight;
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < k; i++) {
    const wi = W[lane * k + i] as number;
    if (wi === 0) continue;
    for (let j = i + 1; j < k; j++) {
      const wj = W[lane * k + j] as number;
      if (wj === 0) continue;
      sum += ((N[o + i * k + j] as number) + (N[o + j * k + i] as number)) / (2 * wi * wj);
      pairs++;
    }
  }
  return pairs === 0 ? NaN : sum / pairs;
}

/** R's median of the multiset with `counts[offset + x]` copies of x (x = 0 … k − 1), `size` = Σ counts. */
function medianOfCounts(counts: Float64Array, offset: number, k: number, size: number): number {
  const at = (rank: number): number => {
    let cumulative = 0;
    for (let x = 0; x < k; x++) {
      cumulative += counts[offset + x] as number;
      if (cumulative >= rank) return x;
    }
    return k - 1;
  };
  return size % 2 === 1 ? at((size + 1) / 2) : (at(size / 2) + at(size / 2 + 1)) / 2;
}

/** P(score in row `higher` > score in row `lower`) + ½ P(tie), unnormalised, rows of a confusion matrix at `offset`. */
function rowAuc(confusion: Float64Array, offset: number, k: number, higher: number, lower: number): number {
  let below = 0;
  let sum = 0;
  for (let x = 0; x < k; x++) {
    const h = confusion[offset + higher * k + x] as number;
    const l = confusion[offset + lower * k + x] as number;
    sum += h * (below + l / 2);
    below += l;
  }
  return sum;
}

function seedStyleLane(run: PreparedRun, scratch: Scratch, lane: number): number {
  const { k } = run;
  const { confusion, classWeight: W } = scratch;
  const o = lane * k * k;
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < k; a++) {
    const wa = W[lane * k + a] as number;
    if (wa === 0) continue;
    const medianA = medianOfCounts(confusion, o + a * k, k, wa);
    for (let b = a + 1; b < k; b++) {
      const wb = W[lane * k + b] as number;
      if (wb === 0) continue;
      const cases = medianOfCounts(confusion, o + b * k, k, wb);
      // pROC's direction "auto": '<' (cases higher) when median(controls) <= median(cases)
      const auc = medianA <= cases ? rowAuc(confusion, o, k, b, a) : rowAuc(confusion, o, k, a, b);
      sum += auc / (wa * wb);
      pairs++;
    }
  }
  return pairs === 0 ? NaN : sum / pairs;
}
