/**
 * The embedding map's projection: UMAP (umap-js) of n feature vectors to 2-D, seeded so that the
 * same features and seed give the same map every time (umap-js draws every random number from
 * the `random` it is given: the nearest-neighbour forest, the initial layout and the negative
 * samples). Rows are scaled to unit length first, so that the euclidean distance UMAP uses
 * ranks neighbours as the cosine distance does (the one the nearest training images use).
 */
import { UMAP } from 'umap-js';
import { seededRandom } from '../training/random';

export interface UmapOptions {
  /** n × dim, row-major. */
  values: Float32Array;
  dim: number;
  seed: number;
  /** UMAP's neighbourhood size (default 15, as umap-learn's). */
  neighbours?: number;
  /** UMAP's min_dist (default 0.1, as umap-learn's). */
  minDist?: number;
  /** Optimisation epochs (default: umap-js's choice, 500 below 10,000 points). */
  epochs?: number;
  /** Called after every `every` epochs (and the last) with the epochs done and their total. */
  onEpoch?: (done: number, total: number) => void | Promise<void>;
  /** How often `onEpoch` is called (default every 10 epochs). */
  every?: number;
  signal?: AbortSignal;
}

/** The 2-D coordinates of the n rows, interleaved (x0, y0, x1, y1, …), scaled into [0, 1], and the epochs run. */
export async function umap2d(options: UmapOptions): Promise<{ coords: Float32Array; epochs: number }> {
  const { values, dim } = options;
  if (!Number.isInteger(dim) || dim <= 0) throw new Error(`umap: dim must be a positive integer, not ${dim}`);
  if (values.length % dim !== 0)
    throw new Error(`umap: ${values.length} values are not a whole number of ${dim}-dimensional rows`);
  const n = values.length / dim;
  if (n < 3) throw new Error(`umap: a map needs at least 3 points, not ${n}`);
  const rows = unitRows(values, dim);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(options.neighbours ?? 15, n - 1),
    minDist: options.minDist ?? 0.1,
    random: seededRandom(options.seed),
    ...(options.epochs !== undefined ? { nEpochs: options.epochs } : {}),
  });
  const total = umap.initializeFit(rows);
  const every = options.every ?? 10;
  for (let epoch = 0; epoch < total;) {
    if (options.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    epoch = umap.step();
    if (epoch % every === 0 || epoch >= total) await options.onEpoch?.(epoch, total);
  }
  return { coords: normalise(umap.getEmbedding()), epochs: total };
}

/** Rows scaled to unit length (a zero row stays zero), as number[][] for umap-js. */
function unitRows(values: Float32Array, dim: number): number[][] {
  const rows: number[][] = [];
  for (let start = 0; start < values.length; start += dim) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += (values[start + j] ?? 0) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const row = new Array<number>(dim);
    for (let j = 0; j < dim; j++) row[j] = (values[start + j] ?? 0) * scale;
    rows.push(row);
  }
  return rows;
}

/** The embedding scaled (one factor for both axes, keeping its shape) and centred into [0, 1]². */
function normalise(embedding: number[][]): Float32Array {
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (const [x = 0, y = 0] of embedding) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const offsetX = (span - (maxX - minX)) / 2;
  const offsetY = (span - (maxY - minY)) / 2;
  const out = new Float32Array(embedding.length * 2);
  embedding.forEach(([x = 0, y = 0], i) => {
    out[2 * i] = (x - minX + offsetX) / span;
    out[2 * i + 1] = (y - minY + offsetY) / span;
  });
  return out;
}
