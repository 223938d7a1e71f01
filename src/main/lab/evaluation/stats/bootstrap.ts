/**
 * The bootstrap over test images (Efron & Tibshirani 1993, ch. 13): B resamples of the n test
 * images, drawn with replacement from one seeded PRNG (mulberry32, as `training/random.ts`), each
 * given to every run as the same image weights, so differences between runs are PAIRED (the
 * same resampled images for both). Intervals are the percentile interval: the 2.5 % and 97.5 %
 * quantiles of the B resampled values (R's quantile type 7).
 */
import {
  LANES,
  metricsAt,
  metricsBlock,
  scratchFor,
  STAT_METRICS,
  type MetricMask,
  type PreparedRun,
  type Scratch,
} from './weighted-metrics';

export interface BootstrapOptions {
  /** B, the number of resamples; default 2,000. */
  readonly resamples?: number;
  /** Seed of the PRNG that draws the resamples; default 0. */
  readonly seed?: number;
  /** Only these metrics (by `STAT_METRICS` position); default all. */
  readonly mask?: MetricMask;
}

export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_SEED = 0;

export interface RunBootstrap {
  /** The metrics on the test set itself (every weight 1), in `STAT_METRICS` order. */
  readonly value: Float64Array;
  /** B values per metric: metric m's resample b at m·B + b. */
  readonly resampled: Float64Array;
}

export interface Bootstrap {
  readonly resamples: number;
  readonly seed: number;
  readonly images: number;
  readonly runs: RunBootstrap[];
}

/**
 * Bootstraps every metric of runs tested on the same n images (image i of each run is the same
 * image). One resample's weights are drawn once and used for all runs.
 */
export function bootstrapRuns(runs: readonly PreparedRun[], options: BootstrapOptions = {}): Bootstrap {
  const B = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`resamples: expected a positive integer, got ${B}`);
  const first = runs[0];
  if (first === undefined) throw new RangeError('runs: none to bootstrap');
  const n = first.n;
  if (n > 0xffff) throw new RangeError(`runs: ${n} images; the bootstrap counts at most 65,535`);
  runs.forEach((run, r) => {
    if (run.n !== n) throw new RangeError(`runs: run ${r} has ${run.n} images, run 0 has ${n}; not the same test set`);
  });
  const M = STAT_METRICS.length;
  const scratch = runs.map((run) => scratchFor(run));
  const result: RunBootstrap[] = runs.map((run) => ({
    value: metricsAt(run, new Uint16Array(n).fill(1), new Float64Array(M), options.mask),
    resampled: new Float64Array(M * B),
  }));
  // mulberry32 (`seededRandom`) inlined: the same draws, without a call per draw (n·B of them)
  let state = seed >>> 0;
  // LANES resamples at a time, image-major: image i's count in lane b at i·LANES + b
  const weights = new Uint16Array(n * LANES);
  const out = new Float64Array(LANES * M);
  for (let first = 0; first < B; first += LANES) {
    const lanes = Math.min(LANES, B - first);
    weights.fill(0);
    for (let b = 0; b < lanes; b++)
      for (let j = 0; j < n; j++) {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        const at = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n) * LANES + b;
        // a count past 65,535 would wrap; it cannot happen below 65,536 images and is checked above that
        weights[at] = (weights[at] as number) + 1;
      }
    runs.forEach((run, r) => {
      metricsBlock(run, weights, out, scratch[r] as Scratch, options.mask);
      const target = (result[r] as RunBootstrap).resampled;
      for (let b = 0; b < lanes; b++) for (let m = 0; m < M; m++) target[m * B + first + b] = out[b * M + m] as number;
    });
  }
  return { resamples: B, seed, images: n, runs: result };
}

/** The q-quantile of ascending `sorted` values, R's type 7 (linear between order statistics). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/** Finite values of `values`, ascending. */
function sortedFinite(values: ArrayLike<number>): Float64Array {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i] as number)) finite.push(values[i] as number);
  return Float64Array.from(finite).sort();
}

/** The percentile interval of bootstrap values at `level` (default 0.95); NaN values are left out. */
export function percentileInterval(values: ArrayLike<number>, level = 0.95): [number, number] {
  const sorted = sortedFinite(values);
  const tail = (1 - level) / 2;
  return [quantileSorted(sorted, tail), quantileSorted(sorted, 1 - tail)];
}

/**
 * Two-sided p-value of "no difference" from bootstrap differences: twice the smaller share of
 * resampled differences on either side of 0 (each share counted as (count + 1) / (B + 1), so p is
 * never 0 from a finite B), at most 1. It rejects at 5 % when the 95 % percentile interval of the
 * differences excludes 0, so the test and the interval never contradict each other.
 */
export function pairedBootstrapP(differences: ArrayLike<number>): number {
  const sorted = sortedFinite(differences);
  const B = sorted.length;
  if (B === 0) return 1;
  let atMost = 0;
  let atLeast = 0;
  for (const d of sorted) {
    if (d <= 0) atMost++;
    if (d >= 0) atLeast++;
  }
  return Math.min(1, (2 * (Math.min(atMost, atLeast) + 1)) / (B + 1));
}

/** resampled values of metric m of a run: a view, not a copy. */
export function metricSamples(run: RunBootstrap, m: number, resamples: number): Float64Array {
  return run.resampled.subarray(m * resamples, (m + 1) * resamples);
}

/** Element-wise a − b of two runs' resampled values of one metric (paired: the same resamples). */
export function pairedDifferences(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) - (b[i] as number);
  return out;
}
