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
 *  - Hand–Till: N_ij = Σ w_q · (weight of class-i images above q in p_i order) over the images q
 *    of class j (half of the tied ones), Â(i|j) = N_ij / (W_i W_j). Without ties: a prefix sum of
 *    the class-i weights in p_i order, then per class j its images grouped by how many class-i
 *    images are above them (a sum of counts per group, one multiply per group); those below every
 *    class-i image are never visited (their weight is W_j less the others'). With ties: one sweep
 *    per score. No sort per resample.
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
  /**
   * For Hand–Till without ties: per score s and class j ≠ s, the class-j images in p_s order that
   * have a class-s image below them, as image·8 (where their counts are), at
   * [rankStart[s·k + j], rankStart[s·k + j + 1]); they come in groups with the same class-s images
   * above them, group g ending at rankGroupEnd[g] with 8 × that number in rankGroupAbove[g] (where
   * the class-s weight above them is, in the sweep's prefix sums), groups of (s, j) from
   * rankGroupAt[s·k + j]. The class-j images below every class-s image are not listed: their weight
   * is W_j less the listed ones', and each sees all of W_s above it.
   */
  readonly rankImage: Int32Array;
  readonly rankStart: Int32Array;
  readonly rankGroupEnd: Int32Array;
  readonly rankGroupAbove: Int32Array;
  readonly rankGroupAt: Int32Array;
  /** Per score i, the end of each position's tie group, or null when that score has no ties. */
  readonly scoreGroupEnd: (Int32Array | null)[];
  /** Per score i, the positions (in `byScore`) of the images of class i, ascending, from `classAt[i]` to `classAt[i + 1]`. */
  readonly classPositions: Int32Array;
  readonly classAt: Int32Array;
  /** Images grouped by confusion cell (true·K + predicted) and by ECE bin, each with where its groups start. */
  readonly byCell: Int32Array;
  readonly cellStart: Int32Array;
  readonly byBin: Int32Array;
  readonly binStart: Int32Array;
  /** correct − confidence per image (its part of its bin's gap). */
  readonly gap: Float64Array;
}

/** Indices 0 … n − 1 grouped by `key` (stable), and where each of the `groups` groups starts. */
function groupBy(n: number, groups: number, key: (i: number) => number): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < n; i++) start[key(i) + 1] = (start[key(i) + 1] as number) + 1;
  for (let g = 0; g < groups; g++) start[g + 1] = (start[g + 1] as number) + (start[g] as number);
  const fill = start.slice(0, groups);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = key(i);
    order[fill[g] as number] = i;
    fill[g] = (fill[g] as number) + 1;
  }
  return { order, start };
}

const ECE_BINS = 15;

/** End (exclusive) of the tie group of every position of `order` under `value`. */
function groupEnds(order: Int32Array, value: (index: number) => number): { ends: Int32Array; ties: boolean } {
  const n = order.length;
  const ends = new Int32Array(n);
  let ties = false;
  for (let start = 0; start < n;) {
    const v = value(order[start] as number);
    let end = start + 1;
    while (end < n && value(order[end] as number) === v) end++;
    if (end - start > 1) ties = true;
    for (let r = start; r < end; r++) ends[r] = end;
    start = end;
  }
  return { ends, ties };
}

/** Indices of `keys` by key, highest first (ties by index). */
function descending(keys: Float64Array): Int32Array {
  const order = Int32Array.from({ length: keys.length }, (_, i) => i);
  return order.sort((a, b) => (keys[b] as number) - (keys[a] as number) || a - b);
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
  const byConfidence = descending(confidence);
  const byScore = new Int32Array(k * n);
  const byScoreLabel = new Uint8Array(k * n);
  const rankImage = new Int32Array(k * n);
  const rankStart = new Int32Array(k * k + 1);
  const rankGroupEnd: number[] = [];
  const rankGroupAbove: number[] = [];
  const rankGroupAt = new Int32Array(k * k + 1);
  let ranked = 0;
  const scoreGroupEnd: (Int32Array | null)[] = [];
  const classPositions = new Int32Array(n);
  const classAt = new Int32Array(k + 1);
  for (let s = 0; s < k; s++) {
    const column = Float64Array.from({ length: n }, (_, i) => input.probabilities[i * k + s] as number);
    const score = (i: number): number => column[i] as number;
    const order = descending(column);
    byScore.set(order, s * n);
    for (let r = 0; r < n; r++) byScoreLabel[s * n + r] = input.labels[order[r] as number] as number;
    let ofClass = 0;
    for (let r = 0; r < n; r++) if (byScoreLabel[s * n + r] === s) ofClass++;
    for (let j = 0; j < k; j++) {
      rankStart[s * k + j] = ranked;
      rankGroupAt[s * k + j] = rankGroupEnd.length;
      if (j === s) continue;
      let above = 0;
      for (let r = 0; r < n && above < ofClass; r++) {
        const label = byScoreLabel[s * n + r] as number;
        if (label === s) above++;
        else if (label === j) {
          if (rankGroupAbove.at(-1) !== above * LANES || rankGroupAt[s * k + j] === rankGroupEnd.length) {
            rankGroupAbove.push(above * LANES);
            rankGroupEnd.push(ranked);
          }
          rankImage[ranked] = (order[r] as number) * LANES;
          ranked++;
          rankGroupEnd[rankGroupEnd.length - 1] = ranked;
        }
      }
    }
    const { ends, ties } = groupEnds(order, score);
    scoreGroupEnd.push(ties ? ends : null);
    let at = classAt[s] as number;
    for (let r = 0; r < n; r++) if (byScoreLabel[s * n + r] === s) classPositions[at++] = s * n + r;
    classAt[s + 1] = at;
  }
  rankStart[k * k] = ranked;
  rankGroupAt[k * k] = rankGroupEnd.length;
  const byCell = groupBy(n, k * k, (i) => (input.labels[i] as number) * k + (input.predicted[i] as number));
  const byBin = groupBy(n, ECE_BINS, (i) => bin[i] as number);
  const correct = correctness(input.labels, input.predicted);
  return {
    n,
    k,
    labels: Uint8Array.from(input.labels),
    predicted: Uint8Array.from(input.predicted),
    correct,
    nll: nllTerms(input.probabilities, input.labels, k),
    brier: brierTerms(input.probabilities, input.labels, k),
    confidence,
    bin,
    bins: ECE_BINS,
    byConfidence,
    confidenceGroupEnd: groupEnds(byConfidence, (i) => confidence[i] as number).ends,
    byScore,
    byScoreLabel,
    rankImage,
    rankStart,
    rankGroupEnd: Int32Array.from(rankGroupEnd),
    rankGroupAbove: Int32Array.from(rankGroupAbove),
    rankGroupAt,
    scoreGroupEnd,
    classPositions,
    classAt,
    byCell: byCell.order,
    cellStart: byCell.start,
    byBin: byBin.order,
    binStart: byBin.start,
    gap: Float64Array.from(confidence, (c, i) => (correct[i] as number) - c),
  };
}

/** Resamples evaluated together: one pass over a sorted order serves this many (see `metricsBlock`). */
export const LANES = 8;

/** Scratch space for `metricsBlock`, reused across blocks (no allocation per resample). */
export interface Scratch {
  /** Always `LANES`: the hot loops are unrolled over eight lanes. */
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
  /** Lane-minor integer counts of the confusion cells (cell·8 + lane). */
  readonly confusionCounts: Int32Array;
  /** Hand–Till's prefix sums of the class-s weights in p_s order, lane-minor ((c + 1)·8 + lane). */
  readonly prefix: Int32Array;
}

export function scratchFor(run: PreparedRun): Scratch {
  const lanes = LANES;
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
    confusionCounts: new Int32Array(lanes * run.k * run.k),
    prefix: new Int32Array((run.n + 1) * lanes),
  };
}

/** Which metrics to compute (all by default); the others come out NaN. */
export type MetricMask = readonly boolean[];

const M = STAT_METRICS.length;

/**
 * The metrics of `run` at one resample's weights (integers ≥ 0, not all 0), in `STAT_METRICS`
 * order. A metric undefined on the resample (an AUC with fewer than two classes present) is NaN.
 */
export function metricsAt(
  run: PreparedRun,
  weights: Numbers,
  out = new Float64Array(M),
  mask?: MetricMask,
): Float64Array {
  if (weights.length !== run.n) throw new RangeError(`weights: has ${weights.length} values, the run ${run.n} images`);
  // lane 0 of a block; the other lanes count nothing and their (NaN) results are dropped
  const block = new Uint16Array(run.n * LANES);
  for (let i = 0; i < run.n; i++) {
    const w = weights[i] as number;
    if (!Number.isInteger(w) || w < 0 || w > 0xffff)
      throw new RangeError(`weights: value at index ${i} is ${w}, expected a count of images`);
    block[i * LANES] = w;
  }
  const lanes = new Float64Array(LANES * M);
  metricsBlock(run, block, lanes, scratchFor(run), mask);
  out.set(lanes.subarray(0, M));
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
  const { bins } = run;
  const nllTerm = run.nll;
  const brierTerm = run.brier;
  const C = scratch.confusionCounts; // lane-minor: cell·8 + lane
  const G = binGap; // lane-minor: bin·8 + lane
  // Light passes, each unrolled over the eight lanes with its sums in locals and branch-free (a
  // count of 0 adds 0; a third of the counts are 0, at random): NLL, Brier, then the confusion
  // cells and the ECE bins over the images grouped by cell and by bin. Accuracy, the totals and the
  // class weights are read off the confusion matrix below; the ECE needs only Σ w·(correct −
  // confidence) per bin (an empty bin's is 0 and adds 0).
  let nll0 = 0,
    nll1 = 0,
    nll2 = 0,
    nll3 = 0,
    nll4 = 0,
    nll5 = 0,
    nll6 = 0,
    nll7 = 0;
  let brier0 = 0,
    brier1 = 0,
    brier2 = 0,
    brier3 = 0,
    brier4 = 0,
    brier5 = 0,
    brier6 = 0,
    brier7 = 0;
  // one pass for both (each sum still in image order, so the same numbers as two passes)
  for (let i = 0; i < n; i++) {
    const x = nllTerm[i] as number;
    const y = brierTerm[i] as number;
    const base = i * 8;
    const w0 = weights[base + 0] as number;
    const w1 = weights[base + 1] as number;
    const w2 = weights[base + 2] as number;
    const w3 = weights[base + 3] as number;
    const w4 = weights[base + 4] as number;
    const w5 = weights[base + 5] as number;
    const w6 = weights[base + 6] as number;
    const w7 = weights[base + 7] as number;
    nll0 += w0 * x;
    nll1 += w1 * x;
    nll2 += w2 * x;
    nll3 += w3 * x;
    nll4 += w4 * x;
    nll5 += w5 * x;
    nll6 += w6 * x;
    nll7 += w7 * x;
    brier0 += w0 * y;
    brier1 += w1 * y;
    brier2 += w2 * y;
    brier3 += w3 * y;
    brier4 += w4 * y;
    brier5 += w5 * y;
    brier6 += w6 * y;
    brier7 += w7 * y;
  }
  for (let g = 0; g < k * k; g++) {
    let c0 = 0,
      c1 = 0,
      c2 = 0,
      c3 = 0,
      c4 = 0,
      c5 = 0,
      c6 = 0,
      c7 = 0;
    for (let r = run.cellStart[g] as number; r < (run.cellStart[g + 1] as number); r++) {
      const i = run.byCell[r] as number;
      const base = i * 8;
      c0 += weights[base + 0] as number;
      c1 += weights[base + 1] as number;
      c2 += weights[base + 2] as number;
      c3 += weights[base + 3] as number;
      c4 += weights[base + 4] as number;
      c5 += weights[base + 5] as number;
      c6 += weights[base + 6] as number;
      c7 += weights[base + 7] as number;
    }
    C[g * 8 + 0] = c0;
    C[g * 8 + 1] = c1;
    C[g * 8 + 2] = c2;
    C[g * 8 + 3] = c3;
    C[g * 8 + 4] = c4;
    C[g * 8 + 5] = c5;
    C[g * 8 + 6] = c6;
    C[g * 8 + 7] = c7;
  }
  for (let g = 0; g < bins; g++) {
    let c0 = 0,
      c1 = 0,
      c2 = 0,
      c3 = 0,
      c4 = 0,
      c5 = 0,
      c6 = 0,
      c7 = 0;
    for (let r = run.binStart[g] as number; r < (run.binStart[g + 1] as number); r++) {
      const i = run.byBin[r] as number;
      const base = i * 8;
      const x = run.gap[i] as number;
      c0 += (weights[base + 0] as number) * x;
      c1 += (weights[base + 1] as number) * x;
      c2 += (weights[base + 2] as number) * x;
      c3 += (weights[base + 3] as number) * x;
      c4 += (weights[base + 4] as number) * x;
      c5 += (weights[base + 5] as number) * x;
      c6 += (weights[base + 6] as number) * x;
      c7 += (weights[base + 7] as number) * x;
    }
    G[g * 8 + 0] = c0;
    G[g * 8 + 1] = c1;
    G[g * 8 + 2] = c2;
    G[g * 8 + 3] = c3;
    G[g * 8 + 4] = c4;
    G[g * 8 + 5] = c5;
    G[g * 8 + 6] = c6;
    G[g * 8 + 7] = c7;
  }
  sums.fill(0);
  sums.set([nll0, nll1, nll2, nll3, nll4, nll5, nll6, nll7], L);
  sums.set([brier0, brier1, brier2, brier3, brier4, brier5, brier6, brier7], 2 * L);
  classWeight.fill(0);
  // lanes: Σw [0, L), Σw·nll [L, 2L), Σw·brier [2L, 3L), Σw·correct [3L, 4L); confusion lane-major
  for (let b = 0; b < L; b++)
    for (let t = 0; t < k; t++)
      for (let p = 0; p < k; p++) {
        const count = C[(t * k + p) * 8 + b] as number;
        confusion[b * kk + t * k + p] = count;
        classWeight[b * k + t] = (classWeight[b * k + t] as number) + count;
        sums[b] = (sums[b] as number) + count;
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
    for (let j = 0; j < bins; j++) ece += Math.abs(binGap[j * 8 + b] as number);
    out[o + 5] = want(5) ? ece / total : NaN;
    out[o + 6] = want(6) ? (aurc[b] as number) / total : NaN;
  }
}

/** Σ over coverages of the risk, per lane, into `sum[0 … L)` (divide by the total for AURC). */
function aurcBlock(run: PreparedRun, weights: Uint16Array, scratch: Scratch, sum: Float64Array): void {
  const { byConfidence, confidenceGroupEnd, correct } = run;
  const L = scratch.lanes;
  const H = scratch.harmonic;
  // per lane: the sum of risks so far, M (images before, with multiplicity), E (their errors);
  // in locals, unrolled; a tie group (rare) goes through \`sum\`: [0, L) sums, [L, 2L) M,
  // [2L, 3L) E, [3L, 4L) the group's m, [4L, 5L) its e
  let sum0 = 0,
    before0 = 0,
    errors0 = 0;
  let sum1 = 0,
    before1 = 0,
    errors1 = 0;
  let sum2 = 0,
    before2 = 0,
    errors2 = 0;
  let sum3 = 0,
    before3 = 0,
    errors3 = 0;
  let sum4 = 0,
    before4 = 0,
    errors4 = 0;
  let sum5 = 0,
    before5 = 0,
    errors5 = 0;
  let sum6 = 0,
    before6 = 0,
    errors6 = 0;
  let sum7 = 0,
    before7 = 0,
    errors7 = 0;
  // H[before] per lane, kept as the sweep goes (H[0] = 0)
  let hb0 = 0,
    hb1 = 0,
    hb2 = 0,
    hb3 = 0,
    hb4 = 0,
    hb5 = 0,
    hb6 = 0,
    hb7 = 0;
  for (let start = 0; start < run.n;) {
    const end = confidenceGroupEnd[start] as number;
    if (end === start + 1) {
      // one image: e/m is its error (0 or 1)
      const i = byConfidence[start] as number;
      const error = 1 - (correct[i] as number);
      const base = i * 8;
      {
        const m = weights[base + 0] as number; // 0 adds 0
        const h = H[before0 + m] as number;
        const dH = h - hb0;
        sum0 += errors0 * dH + error * (m - before0 * dH);
        before0 += m;
        errors0 += error * m;
        hb0 = h;
      }
      {
        const m = weights[base + 1] as number; // 0 adds 0
        const h = H[before1 + m] as number;
        const dH = h - hb1;
        sum1 += errors1 * dH + error * (m - before1 * dH);
        before1 += m;
        errors1 += error * m;
        hb1 = h;
      }
      {
        const m = weights[base + 2] as number; // 0 adds 0
        const h = H[before2 + m] as number;
        const dH = h - hb2;
        sum2 += errors2 * dH + error * (m - before2 * dH);
        before2 += m;
        errors2 += error * m;
        hb2 = h;
      }
      {
        const m = weights[base + 3] as number; // 0 adds 0
        const h = H[before3 + m] as number;
        const dH = h - hb3;
        sum3 += errors3 * dH + error * (m - before3 * dH);
        before3 += m;
        errors3 += error * m;
        hb3 = h;
      }
      {
        const m = weights[base + 4] as number; // 0 adds 0
        const h = H[before4 + m] as number;
        const dH = h - hb4;
        sum4 += errors4 * dH + error * (m - before4 * dH);
        before4 += m;
        errors4 += error * m;
        hb4 = h;
      }
      {
        const m = weights[base + 5] as number; // 0 adds 0
        const h = H[before5 + m] as number;
        const dH = h - hb5;
        sum5 += errors5 * dH + error * (m - before5 * dH);
        before5 += m;
        errors5 += error * m;
        hb5 = h;
      }
      {
        const m = weights[base + 6] as number; // 0 adds 0
        const h = H[before6 + m] as number;
        const dH = h - hb6;
        sum6 += errors6 * dH + error * (m - before6 * dH);
        before6 += m;
        errors6 += error * m;
        hb6 = h;
      }
      {
        const m = weights[base + 7] as number; // 0 adds 0
        const h = H[before7 + m] as number;
        const dH = h - hb7;
        sum7 += errors7 * dH + error * (m - before7 * dH);
        before7 += m;
        errors7 += error * m;
        hb7 = h;
      }
    } else {
      sum.set([sum0, sum1, sum2, sum3, sum4, sum5, sum6, sum7], 0);
      sum.set([before0, before1, before2, before3, before4, before5, before6, before7], L);
      sum.set([errors0, errors1, errors2, errors3, errors4, errors5, errors6, errors7], 2 * L);
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
      sum0 = sum[0] as number;
      before0 = sum[L + 0] as number;
      hb0 = H[before0] as number;
      errors0 = sum[2 * L + 0] as number;
      sum1 = sum[1] as number;
      before1 = sum[L + 1] as number;
      hb1 = H[before1] as number;
      errors1 = sum[2 * L + 1] as number;
      sum2 = sum[2] as number;
      before2 = sum[L + 2] as number;
      hb2 = H[before2] as number;
      errors2 = sum[2 * L + 2] as number;
      sum3 = sum[3] as number;
      before3 = sum[L + 3] as number;
      hb3 = H[before3] as number;
      errors3 = sum[2 * L + 3] as number;
      sum4 = sum[4] as number;
      before4 = sum[L + 4] as number;
      hb4 = H[before4] as number;
      errors4 = sum[2 * L + 4] as number;
      sum5 = sum[5] as number;
      before5 = sum[L + 5] as number;
      hb5 = H[before5] as number;
      errors5 = sum[2 * L + 5] as number;
      sum6 = sum[6] as number;
      before6 = sum[L + 6] as number;
      hb6 = H[before6] as number;
      errors6 = sum[2 * L + 6] as number;
      sum7 = sum[7] as number;
      before7 = sum[L + 7] as number;
      hb7 = H[before7] as number;
      errors7 = sum[2 * L + 7] as number;
    }
    start = end;
  }
  sum.set([sum0, sum1, sum2, sum3, sum4, sum5, sum6, sum7], 0);
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
      // Integer counts: N_sj ≤ W_s·W_j ≤ n²/4 < 2³¹ for n ≤ 65,535. The class-s weight above each
      // image is a prefix sum over the class-s images in p_s order (`S`, lane-minor); each class j
      // is then one pass over its images in that order, its eight sums in locals: no store per image.
      const S = scratch.prefix;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0,
        s4 = 0,
        s5 = 0,
        s6 = 0,
        s7 = 0;
      S.fill(0, 0, 8);
      const first = run.classAt[s] as number;
      const last = run.classAt[s + 1] as number;
      for (let c = first; c < last; c++) {
        const wi = (byScore[run.classPositions[c] as number] as number) * 8;
        const o = (c - first + 1) * 8;
        S[o + 0] = s0 += weights[wi + 0] as number;
        S[o + 1] = s1 += weights[wi + 1] as number;
        S[o + 2] = s2 += weights[wi + 2] as number;
        S[o + 3] = s3 += weights[wi + 3] as number;
        S[o + 4] = s4 += weights[wi + 4] as number;
        S[o + 5] = s5 += weights[wi + 5] as number;
        S[o + 6] = s6 += weights[wi + 6] as number;
        S[o + 7] = s7 += weights[wi + 7] as number;
      }
      const { rankImage, rankStart, rankGroupEnd, rankGroupAbove, rankGroupAt } = run;
      const W = scratch.classWeight;
      const total = (last - first) * 8; // where S holds W_s
      for (let j = 0; j < k; j++) {
        if (j === s) continue;
        // per lane: Σ over the listed images of w·(class-s weight above), and Σ of their w
        let n0 = 0,
          n1 = 0,
          n2 = 0,
          n3 = 0,
          n4 = 0,
          n5 = 0,
          n6 = 0,
          n7 = 0;
        let l0 = 0,
          l1 = 0,
          l2 = 0,
          l3 = 0,
          l4 = 0,
          l5 = 0,
          l6 = 0,
          l7 = 0;
        let q = rankStart[s * k + j] as number;
        const groupsEnd = rankGroupAt[s * k + j + 1] as number;
        for (let g = rankGroupAt[s * k + j] as number; g < groupsEnd; g++) {
          let t0 = 0,
            t1 = 0,
            t2 = 0,
            t3 = 0,
            t4 = 0,
            t5 = 0,
            t6 = 0,
            t7 = 0;
          const end = rankGroupEnd[g] as number;
          for (; q < end; q++) {
            const wo = rankImage[q] as number;
            t0 += weights[wo + 0] as number;
            t1 += weights[wo + 1] as number;
            t2 += weights[wo + 2] as number;
            t3 += weights[wo + 3] as number;
            t4 += weights[wo + 4] as number;
            t5 += weights[wo + 5] as number;
            t6 += weights[wo + 6] as number;
            t7 += weights[wo + 7] as number;
          }
          const a = rankGroupAbove[g] as number;
          n0 += t0 * (S[a + 0] as number);
          n1 += t1 * (S[a + 1] as number);
          n2 += t2 * (S[a + 2] as number);
          n3 += t3 * (S[a + 3] as number);
          n4 += t4 * (S[a + 4] as number);
          n5 += t5 * (S[a + 5] as number);
          n6 += t6 * (S[a + 6] as number);
          n7 += t7 * (S[a + 7] as number);
          l0 += t0;
          l1 += t1;
          l2 += t2;
          l3 += t3;
          l4 += t4;
          l5 += t5;
          l6 += t6;
          l7 += t7;
        }
        // the class-j images below every class-s image: W_j less the listed, each under all of W_s
        const row = s * k + j;
        N[row] = n0 + (S[total + 0] as number) * ((W[j] as number) - l0);
        N[kk + row] = n1 + (S[total + 1] as number) * ((W[k + j] as number) - l1);
        N[2 * kk + row] = n2 + (S[total + 2] as number) * ((W[2 * k + j] as number) - l2);
        N[3 * kk + row] = n3 + (S[total + 3] as number) * ((W[3 * k + j] as number) - l3);
        N[4 * kk + row] = n4 + (S[total + 4] as number) * ((W[4 * k + j] as number) - l4);
        N[5 * kk + row] = n5 + (S[total + 5] as number) * ((W[5 * k + j] as number) - l5);
        N[6 * kk + row] = n6 + (S[total + 6] as number) * ((W[6 * k + j] as number) - l6);
        N[7 * kk + row] = n7 + (S[total + 7] as number) * ((W[7 * k + j] as number) - l7);
      }
    } else {
      for (let start = 0; start < n;) {
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
