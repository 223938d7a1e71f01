/**
 * ROAD (Rong et al. 2022, "A Consistent and Efficient Evaluation Strategy for Attribution
 * Methods"): remove and debias. Pixels are removed by the map's ranking, as in the deletion check,
 * but filled by noisy linear imputation instead of the image mean: each removed pixel becomes the
 * weighted mean of its 8 neighbours (1/6 for the 4 next to it, 1/12 for the diagonals), solved for
 * all removed pixels at once, plus a little Gaussian noise. The filled region then looks like
 * image, not like a mask whose shape leaks the map into the prediction (the mean-fill artefact).
 * Most-relevant first (MoRF): a faithful map's top pixels cost the class much; least-relevant
 * first (LeRF): its bottom pixels cost little. The score is their difference.
 *
 * Written from the paper and from reading pytorch-grad-cam's `metrics/road.py`; the system is
 * solved by conjugate gradients here (it is symmetric and positive definite) instead of a sparse
 * direct solver.
 */
import { DELETION_FRACTIONS } from './faithfulness';

/** Absolute σ of the noise added to imputed pixels (ROAD's default; pixels in [0, 1]). */
export const ROAD_NOISE = 0.01;

const NEIGHBOURS: readonly (readonly [number, number, number])[] = [
  [-1, -1, 1 / 12],
  [-1, 0, 1 / 6],
  [-1, 1, 1 / 12],
  [0, -1, 1 / 6],
  [0, 1, 1 / 6],
  [1, -1, 1 / 12],
  [1, 0, 1 / 6],
  [1, 1, 1 / 12],
];

/** The weights of row i's links to other removed pixels. */
function sumWeights(start: Int32Array, weight: Float64Array, i: number): number {
  let s = 0;
  for (let l = start[i] as number; l < (start[i + 1] as number); l++) s += weight[l] as number;
  return s;
}

/** A standard normal draw from a uniform source (Box–Muller). */
function gaussian(random: () => number): number {
  const u = Math.max(Number.MIN_VALUE, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * One image (H·W·C, channels last) with the pixels where `removed` is 1 filled by noisy linear
 * imputation: for each removed pixel i, Σⱼ wᵢⱼ (xᵢ − xⱼ) = 0 over its in-image neighbours j (kept
 * ones at their value), then N(0, noise²) added. A group of removed pixels with no kept neighbour
 * anywhere is pulled (weakly) to the image's mean so the system always has one solution.
 */
export function imputeNoisyLinear(
  image: ArrayLike<number>,
  shape: readonly [number, number, number],
  removed: Uint8Array,
  options: { noise?: number; random: () => number; tolerance?: number; maxIterations?: number },
): Float32Array {
  const [H, W, C] = shape;
  const out = Float32Array.from(image);
  const unknown: number[] = [];
  const slot = new Int32Array(H * W).fill(-1);
  for (let p = 0; p < H * W; p++)
    if (removed[p]) {
      slot[p] = unknown.length;
      unknown.push(p);
    }
  const n = unknown.length;
  if (n === 0) return out;
  // the system M x = b over the removed pixels: M = D − A (symmetric), b from kept neighbours;
  // A as compressed rows (start, column, weight)
  const diag = new Float64Array(n);
  const start = new Int32Array(n + 1);
  const column = new Int32Array(n * 8);
  const weight = new Float64Array(n * 8);
  const rhs = new Float64Array(n * C);
  const mean = new Float64Array(C);
  for (let p = 0; p < H * W; p++)
    for (let c = 0; c < C; c++) mean[c] = (mean[c] as number) + (image[p * C + c] as number) / (H * W);
  let links = 0;
  for (let i = 0; i < n; i++) {
    start[i] = links;
    const p = unknown[i] as number;
    const [y, x] = [Math.floor(p / W), p % W];
    for (const [dy, dx, w] of NEIGHBOURS) {
      const [yy, xx] = [y + dy, x + dx];
      if (yy < 0 || xx < 0 || yy >= H || xx >= W) continue;
      const q = yy * W + xx;
      diag[i] = (diag[i] as number) + w;
      const j = slot[q] as number;
      if (j >= 0) {
        column[links] = j;
        weight[links++] = w;
      } else for (let c = 0; c < C; c++) rhs[i * C + c] = (rhs[i * C + c] as number) + w * (image[q * C + c] as number);
    }
  }
  start[n] = links;
  // a tiny pull to the mean: harmless where kept pixels anchor the solution, decisive where none do
  const ridge = 1e-6;
  for (let i = 0; i < n; i++) {
    diag[i] = (diag[i] as number) + ridge;
    for (let c = 0; c < C; c++) rhs[i * C + c] = (rhs[i * C + c] as number) + ridge * (mean[c] as number);
  }
  /** into = M v, every channel at once (v, into: n × C). */
  const multiply = (v: Float64Array, into: Float64Array) => {
    for (let i = 0; i < n; i++) {
      const d = diag[i] as number;
      for (let c = 0; c < C; c++) into[i * C + c] = d * (v[i * C + c] as number);
      for (let l = start[i] as number; l < (start[i + 1] as number); l++) {
        const [j, w] = [column[l] as number, weight[l] as number];
        for (let c = 0; c < C; c++) into[i * C + c] = (into[i * C + c] as number) - w * (v[j * C + c] as number);
      }
    }
  };
  const tolerance = options.tolerance ?? 1e-5;
  const maxIterations = options.maxIterations ?? 500;
  // conjugate gradients, one per channel in lockstep, from the mean of each pixel's kept neighbours
  const x = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    const known = (diag[i] as number) - ridge - sumWeights(start, weight, i);
    for (let c = 0; c < C; c++)
      x[i * C + c] =
        known > 0 ? ((rhs[i * C + c] as number) - ridge * (mean[c] as number)) / known : (mean[c] as number);
  }
  const r = new Float64Array(n * C);
  const d = new Float64Array(n * C);
  const q = new Float64Array(n * C);
  multiply(x, q);
  const rr = new Float64Array(C);
  const stop = new Float64Array(C);
  for (let k = 0; k < n * C; k++) {
    r[k] = (rhs[k] as number) - (q[k] as number);
    d[k] = r[k] as number;
    rr[k % C] = (rr[k % C] as number) + (r[k] as number) ** 2;
    stop[k % C] = (stop[k % C] as number) + (rhs[k] as number) ** 2;
  }
  for (let c = 0; c < C; c++) stop[c] = tolerance * tolerance * Math.max(stop[c] as number, 1e-30);
  const active = () => rr.some((v, c) => v > (stop[c] as number));
  const dq = new Float64Array(C);
  const next = new Float64Array(C);
  for (let it = 0; it < maxIterations && active(); it++) {
    multiply(d, q);
    dq.fill(0);
    for (let k = 0; k < n * C; k++) dq[k % C] = (dq[k % C] as number) + (d[k] as number) * (q[k] as number);
    const alpha = dq.map((v, c) => (v > 0 && (rr[c] as number) > (stop[c] as number) ? (rr[c] as number) / v : 0));
    next.fill(0);
    for (let k = 0; k < n * C; k++) {
      const a = alpha[k % C] as number;
      x[k] = (x[k] as number) + a * (d[k] as number);
      r[k] = (r[k] as number) - a * (q[k] as number);
      next[k % C] = (next[k % C] as number) + (r[k] as number) ** 2;
    }
    const beta = next.map((v, c) => ((rr[c] as number) > 0 ? v / (rr[c] as number) : 0));
    rr.set(next);
    for (let k = 0; k < n * C; k++) d[k] = (r[k] as number) + (beta[k % C] as number) * (d[k] as number);
  }
  const sigma = options.noise ?? ROAD_NOISE;
  unknown.forEach((p, i) => {
    for (let c = 0; c < C; c++)
      out[p * C + c] = (x[i * C + c] as number) + (sigma > 0 ? sigma * gaussian(options.random) : 0);
  });
  return out;
}

/**
 * Copies of n images with `fraction` of each image's pixels removed and imputed: the first of its
 * ranking (`most`: most relevant first) or the last (`least`).
 */
export function roadImages(
  pixels: Float32Array,
  shape: readonly [number, number, number],
  rankings: readonly Uint32Array[],
  fraction: number,
  order: 'most' | 'least',
  random: () => number,
): Float32Array {
  const [H, W, C] = shape;
  const size = H * W * C;
  const count = Math.round(fraction * H * W);
  const out = new Float32Array(pixels.length);
  const removed = new Uint8Array(H * W);
  rankings.forEach((ranking, i) => {
    removed.fill(0);
    for (let r = 0; r < count; r++) removed[ranking[order === 'most' ? r : H * W - 1 - r] ?? 0] = 1;
    out.set(imputeNoisyLinear(pixels.subarray(i * size, (i + 1) * size), shape, removed, { random }), i * size);
  });
  return out;
}

/**
 * For each of `DELETION_FRACTIONS`, the summed drop in the explained class's probability over the
 * images when the top share of pixels by map (MoRF) or the bottom share (LeRF) is removed and
 * imputed. `probabilityOf` as in `deletionCheck`.
 */
export function roadCheck(input: {
  pixels: Float32Array;
  shape: readonly [number, number, number];
  rankings: readonly Uint32Array[];
  random: () => number;
  probabilityOf: (pixels: Float32Array) => Float64Array;
  /** The unchanged images' probabilities, when the caller has them already. */
  base?: Float64Array;
}): { most: number; least: number }[] {
  const { pixels, shape, rankings, random, probabilityOf } = input;
  const base = input.base ?? probabilityOf(pixels);
  const drop = (after: Float64Array) => base.reduce((sum, p, i) => sum + p - (after[i] ?? 0), 0);
  return DELETION_FRACTIONS.map((fraction) => ({
    most: drop(probabilityOf(roadImages(pixels, shape, rankings, fraction, 'most', random))),
    least: drop(probabilityOf(roadImages(pixels, shape, rankings, fraction, 'least', random))),
  }));
}

/** ROAD's combined score from per-fraction mean drops: the mean of (MoRF drop − LeRF drop) / 2; higher is more faithful. */
export function roadScore(rows: readonly { mostDrop: number; leastDrop: number }[]): number {
  if (rows.length === 0) return 0;
  return rows.reduce((sum, r) => sum + (r.mostDrop - r.leastDrop) / 2, 0) / rows.length;
}
