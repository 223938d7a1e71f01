/** Embedding maps (`run_maps`): one per run and split, the 2-D coordinates of its images. */
import type { MapInfo, Split } from '../../../shared/contract';
import type { Db } from './database';

export interface StoredMap {
  seed: number;
  neighbours: number;
  minDist: number;
  epochs: number;
  dim: number;
  /** x, y interleaved per image in index order, in [0, 1]. */
  coords: Float32Array;
  seconds: number;
}

interface MapRow {
  run_id: number;
  seed: number;
  params: string;
  dim: number;
  count: number;
  coords: Buffer;
  seconds: number;
  created_at: string;
}

/** Per image of a map: what colours it, from the run's given evaluation and explanation. */
export interface MapColours {
  label: number[];
  predicted: (number | null)[];
  mutualInformation: (number | null)[];
  background: (number | null)[];
  tags: Record<string, number[]>;
}

export class MapStore {
  constructor(private readonly db: Db) {}

  /** Stores (replacing) the map of a run's split. */
  put(runId: number, split: Split, map: StoredMap): MapInfo {
    const { seed, neighbours, minDist, epochs, dim, coords, seconds } = map;
    this.db
      .prepare(
        `INSERT OR REPLACE INTO run_maps (run_id, split, method, seed, params, dim, count, coords, seconds)
         VALUES (?, ?, 'umap', ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        split,
        seed,
        JSON.stringify({ neighbours, minDist, epochs }),
        dim,
        coords.length / 2,
        Buffer.from(coords.buffer, coords.byteOffset, coords.byteLength),
        seconds,
      );
    const stored = this.get(runId, split);
    if (!stored) throw new Error(`the map of run ${runId} was not stored`);
    return stored.info;
  }

  /** A run's map of a split, or null. */
  get(runId: number, split: Split = 'test'): { info: MapInfo; coords: Float32Array } | null {
    const row = this.db
      .prepare<[number, string], MapRow>(
        'SELECT run_id, seed, params, dim, count, coords, seconds, created_at FROM run_maps WHERE run_id = ? AND split = ?',
      )
      .get(runId, split);
    if (!row) return null;
    const params = JSON.parse(row.params) as { neighbours: number; minDist: number; epochs: number };
    const coords = new Float32Array(row.count * 2);
    new Uint8Array(coords.buffer).set(row.coords);
    return {
      info: {
        runId: row.run_id,
        method: 'umap',
        seed: row.seed,
        neighbours: params.neighbours,
        minDist: params.minDist,
        epochs: params.epochs,
        dim: row.dim,
        count: row.count,
        seconds: row.seconds,
        createdAt: row.created_at,
      },
      coords,
    };
  }

  /**
   * What colours a map of `count` test images: the labels of the dataset's images, the
   * predictions and mutual information of evaluation `evaluationId`, the background shares of
   * explanation `explanationId` (null: none) and the images' tags (by content hash).
   */
  colours(
    dataset: { id: number; contentHash: string },
    count: number,
    evaluationId: number | null,
    explanationId: number | null,
  ): MapColours {
    const colours: MapColours = {
      label: new Array<number>(count).fill(-1),
      predicted: new Array<number | null>(count).fill(null),
      mutualInformation: new Array<number | null>(count).fill(null),
      background: new Array<number | null>(count).fill(null),
      tags: {},
    };
    const labels = this.db
      .prepare<[number, number], { idx: number; label: number }>(
        "SELECT idx, label FROM images WHERE dataset_id = ? AND split = 'test' AND idx < ?",
      )
      .all(dataset.id, count);
    for (const { idx, label } of labels) colours.label[idx] = label;
    if (evaluationId !== null) {
      const rows = this.db
        .prepare<[number], { idx: number; predicted: number; mi: number | null }>(
          'SELECT idx, predicted, mutual_information AS mi FROM predictions WHERE evaluation_id = ?',
        )
        .all(evaluationId);
      for (const { idx, predicted, mi } of rows) {
        if (idx >= count) continue;
        colours.predicted[idx] = predicted;
        colours.mutualInformation[idx] = mi;
      }
    }
    if (explanationId !== null) {
      const rows = this.db
        .prepare<[number], { idx: number; background: number | null }>(
          'SELECT idx, background FROM explanation_images WHERE explanation_id = ?',
        )
        .all(explanationId);
      for (const { idx, background } of rows) if (idx < count) colours.background[idx] = background;
    }
    const tagged = this.db
      .prepare<[string, number], { idx: number; tag: string }>(
        "SELECT idx, tag FROM annotation_tags WHERE dataset_hash = ? AND split = 'test' AND idx < ? ORDER BY tag, idx",
      )
      .all(dataset.contentHash, count);
    for (const { idx, tag } of tagged) (colours.tags[tag] ??= []).push(idx);
    return colours;
  }
}
