/**
 * Cosine nearest neighbours over a run's features: rows measured from the training images' mean
 * row (`meanRow`) and scaled to unit length once, then the cosine similarity of two images is
 * their rows' dot product and the distance is 1 − cosine (0 for the same direction, 1 for
 * orthogonal, 2 for opposite). One query scans every row (exact;
 * 15,000 × 128 values take a few milliseconds), keeping the k best.
 */
import { tf } from '../engine/backend';
import { yieldToEventLoop } from '../jobs/yield';
import type { LabelCheck } from '../store/train-label-checks';

export interface Neighbour {
  index: number;
  /** 1 − cosine similarity, in [0, 2], rounded to 6 decimals (features are float16: ≈ 3 significant digits). */
  distance: number;
}

/**
 * Each row of `values` (rows of `dim`), less `centre` when given, scaled to unit length; an
 * all-zero row stays zero.
 */
export function unitRows(values: Float32Array, dim: number, centre?: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let o = 0; o < values.length; o += dim) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = (values[o + j] as number) - (centre?.[j] ?? 0);
      out[o + j] = v;
      norm += v * v;
    }
    if (norm === 0) continue;
    const f = 1 / Math.sqrt(norm);
    for (let j = 0; j < dim; j++) out[o + j] = (out[o + j] as number) * f;
  }
  return out;
}

/**
 * The mean row of the training images' features: the centre every row is measured from. ReLU
 * features are all ≥ 0 and share one large common direction (how strongly the image activates
 * the layer at all), which raw cosine lets dominate; measured from the training mean, neighbours
 * are ranked by what sets images apart (centred cosine, as Pearson correlation).
 */
export function meanRow(values: Float32Array, dim: number): Float32Array {
  const sum = new Float64Array(dim);
  const n = values.length / dim;
  for (let o = 0; o < values.length; o += dim)
    for (let j = 0; j < dim; j++) sum[j] = (sum[j] ?? 0) + (values[o + j] as number);
  return Float32Array.from(sum, (v) => (n > 0 ? v / n : 0));
}

const distanceOf = (similarity: number): number => Math.round(Math.min(2, Math.max(0, 1 - similarity)) * 1e6) / 1e6;

/**
 * The k rows of `base` (unit rows of `dim`) nearest to `query` (a unit row), nearest first; ties
 * by index. The query's own row, if it is in `base`, is its own nearest at distance 0.
 */
export function nearest(base: Float32Array, dim: number, query: Float32Array, k: number): Neighbour[] {
  const n = base.length / dim;
  const size = Math.min(k, n);
  if (size <= 0) return [];
  const best = new Int32Array(size);
  const sims = new Float64Array(size).fill(-Infinity);
  let filled = 0;
  for (let i = 0, o = 0; i < n; i++, o += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += (base[o + j] as number) * (query[j] as number);
    if (filled === size && s <= (sims[size - 1] as number)) continue;
    // insert in descending order of similarity (a later row with an equal one goes after)
    let p = filled < size ? filled++ : size - 1;
    while (p > 0 && (sims[p - 1] as number) < s) {
      sims[p] = sims[p - 1] as number;
      best[p] = best[p - 1] as number;
      p--;
    }
    sims[p] = s;
    best[p] = i;
  }
  return Array.from({ length: filled }, (_, r) => ({
    index: best[r] as number,
    distance: distanceOf(sims[r] as number),
  }));
}

export interface LabelCheckOptions {
  /** Neighbours per image (default 8). */
  k?: number;
  /** Rows per matrix product (default 512). */
  chunk?: number;
  signal?: AbortSignal;
  onChunk?: (done: number) => void;
}

/**
 * For every training image, its k nearest other training images (cosine) and how many of them
 * carry another label, with the most common such label: the "may be mislabelled" evidence. The
 * similarities come from matrix products in chunks of rows (an n × n product of n = 15,000 is
 * about 58 GFLOP: about 3.6 CPU-seconds on the wasm backend, where a scalar loop takes a minute). A
 * duplicate of an image counts as its neighbour; the image itself does not.
 */
export async function labelChecks(
  unit: Float32Array,
  dim: number,
  labels: ArrayLike<number>,
  options: LabelCheckOptions = {},
): Promise<LabelCheck[]> {
  const n = labels.length;
  if (unit.length !== n * dim) throw new Error(`labelChecks: ${unit.length / dim} feature rows for ${n} labels`);
  const k = Math.min(options.k ?? 8, n - 1);
  if (k < 1) return [];
  const step = options.chunk ?? 512;
  const checks: LabelCheck[] = [];
  const all = tf.tensor2d(unit, [n, dim]);
  const m = k + 1;
  try {
    for (let start = 0; start < n; start += step) {
      await yieldToEventLoop(); // so that a cancel can arrive
      if (options.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      const rows = Math.min(step, n - start);
      // all · chunkᵀ (n × rows): on wasm about 4× faster than chunk · allᵀ (measured: 30 vs 7 GFLOP/s)
      const product = tf.tidy(() => tf.matMul(all, tf.transpose(all.slice([start, 0], [rows, dim]))));
      const sims = (await product.data()) as Float32Array;
      product.dispose();
      const indices = topPerColumn(sims, n, rows, m);
      for (let r = 0; r < rows; r++) {
        const i = start + r;
        const own = labels[i] as number;
        const row = indices.subarray(r * m, (r + 1) * m);
        // itself left out (with exact duplicates it may not come first; if absent, the last goes)
        const self = row.indexOf(i);
        const neighbours = [...row].filter((_, j) => j !== (self >= 0 ? self : k));
        const counts = new Map<number, number>();
        let other = 0;
        let nearestOther: number | null = null;
        for (const j of neighbours) {
          const label = labels[j] as number;
          if (label === own) continue;
          other++;
          counts.set(label, (counts.get(label) ?? 0) + 1);
          // neighbours come nearest first: the first with another label is the nearest
          nearestOther ??= distanceOf(sims[j * rows + r] as number);
        }
        let majority: number | null = null;
        let majorityCount = 0;
        for (const [label, count] of counts) {
          if (count > majorityCount || (count === majorityCount && label < (majority ?? Infinity))) {
            majority = label;
            majorityCount = count;
          }
        }
        checks.push({ index: i, label: own, k, other, majority, majorityCount, nearestOther });
      }
      options.onChunk?.(start + rows);
    }
  } finally {
    all.dispose();
  }
  return checks;
}

/**
 * For each column of an n × cols matrix (row-major), the rows of its m largest values, largest
 * first (ties: the lower row first); read row by row, so memory is read in order.
 */
export function topPerColumn(values: Float32Array, n: number, cols: number, m: number): Int32Array {
  const best = new Int32Array(cols * m).fill(-1);
  const sims = new Float64Array(cols * m).fill(-Infinity);
  const floor = new Float64Array(cols).fill(-Infinity);
  for (let i = 0, o = 0; i < n; i++) {
    for (let c = 0; c < cols; c++, o++) {
      const v = values[o] as number;
      if (v <= (floor[c] as number)) continue;
      const base = c * m;
      let p = m - 1;
      while (p > 0 && (sims[base + p - 1] as number) < v) {
        sims[base + p] = sims[base + p - 1] as number;
        best[base + p] = best[base + p - 1] as number;
        p--;
      }
      sims[base + p] = v;
      best[base + p] = i;
      floor[c] = sims[base + m - 1] as number;
    }
  }
  return best;
}
