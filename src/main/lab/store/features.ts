import type { Split } from '../../../shared/contract';
import type { Db } from './database';
import { decodeHalf, encodeHalf } from './float16';

/** A split's stored features: `count` rows of `dim` values, image i's at [i·dim, (i+1)·dim). */
export interface StoredFeatures {
  dim: number;
  count: number;
  values: Float32Array;
  /** Where they were taken (e.g. "dense_2", "z_mean", "members: dense_2 ×3"). */
  layer: string;
  createdAt: string;
}

/** What a run has stored, without the vectors. */
export interface FeatureInfo {
  split: Split;
  layer: string;
  dim: number;
  count: number;
  createdAt: string;
}

/**
 * The `run_features` table: a run's features per split as one float16 blob (lab/features computes
 * them). `put` replaces what the split had; they go with the run.
 */
export class FeatureStore {
  constructor(private readonly db: Db) {}

  /** Stores (replacing) a split's features: `values.length` must be a multiple of `dim`. */
  put(runId: number, split: Split, dim: number, values: Float32Array, layer = ''): void {
    if (!Number.isInteger(dim) || dim < 1)
      throw new RangeError(`features of run ${runId}: dim ${dim} is not a positive integer`);
    if (values.length % dim !== 0)
      throw new RangeError(`features of run ${runId} (${split}): ${values.length} values are not rows of ${dim}`);
    this.db
      .prepare(
        `INSERT INTO run_features (run_id, split, layer, dim, count, vectors) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, split) DO UPDATE SET layer = excluded.layer, dim = excluded.dim, count = excluded.count,
           vectors = excluded.vectors, created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      )
      .run(runId, split, layer, dim, values.length / dim, encodeHalf(values));
  }

  /** Stores both splits in one transaction (what the features job does). */
  putAll(runId: number, splits: readonly { split: Split; dim: number; values: Float32Array; layer: string }[]): void {
    this.db
      .transaction(() => {
        for (const s of splits) this.put(runId, s.split, s.dim, s.values, s.layer);
      })
      .immediate();
  }

  /** A split's features, or null when the run has none stored. */
  get(runId: number, split: Split): StoredFeatures | null {
    const row = this.db
      .prepare<[number, string], { dim: number; count: number; vectors: Buffer; layer: string; created_at: string }>(
        'SELECT dim, count, vectors, layer, created_at FROM run_features WHERE run_id = ? AND split = ?',
      )
      .get(runId, split);
    if (!row) return null;
    return {
      dim: row.dim,
      count: row.count,
      values: decodeHalf(row.vectors),
      layer: row.layer,
      createdAt: row.created_at,
    };
  }

  /** What the run has stored, per split (train first), without the vectors. */
  info(runId: number): FeatureInfo[] {
    return this.db
      .prepare<[number], { split: Split; layer: string; dim: number; count: number; created_at: string }>(
        'SELECT split, layer, dim, count, created_at FROM run_features WHERE run_id = ? ORDER BY split',
      )
      .all(runId)
      .map((r) => ({ split: r.split, layer: r.layer, dim: r.dim, count: r.count, createdAt: r.created_at }));
  }

  /** Whether both splits are stored. */
  has(runId: number): boolean {
    return this.info(runId).length === 2;
  }

  /** Forgets a run's features (they are recomputed on demand). */
  delete(runId: number): void {
    this.db.prepare('DELETE FROM run_features WHERE run_id = ?').run(runId);
  }
}
