import { ExplanationSummary, type ImageExplanation } from '../../../shared/contract';
import type { Db } from './database';

/** One image's maps as the explanation job produces them (float32, row-major). */
export interface StoredImageExplanation {
  index: number;
  label: number;
  predicted: number;
  probability: number;
  background: number | null;
  map: Float32Array;
  std: Float32Array | null;
  trueMap: Float32Array | null;
  trueStd: Float32Array | null;
}

/** A row of `explanation_images` as SQLite gives it. */
export interface ExplanationImageRow {
  idx: number;
  label: number;
  predicted: number;
  probability: number;
  background: number | null;
  map: Buffer;
  std: Buffer | null;
  true_map: Buffer | null;
  true_std: Buffer | null;
}

const blob = (values: Float32Array | null): Buffer | null =>
  values === null ? null : Buffer.from(values.buffer, values.byteOffset, values.byteLength);

/** A stored float32 blob as numbers (null stays null). */
export function floats(buffer: Buffer | null): number[] | null {
  if (buffer === null) return null;
  const copy = new Float32Array(buffer.byteLength / 4);
  new Uint8Array(copy.buffer).set(buffer);
  return Array.from(copy);
}

/** Explanations and their per-image maps; the newest explanation of a run is its current one. */
export class ExplanationStore {
  constructor(private readonly db: Db) {}

  /** Stores an explanation and all its images in one transaction; returns its id. */
  add(runId: number, summary: ExplanationSummary, images: readonly StoredImageExplanation[]): number {
    const insert = this.db.prepare(
      `INSERT INTO explanation_images (explanation_id, idx, label, predicted, probability, background, map, std, true_map, true_std)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare('INSERT INTO explanations (run_id, method, layer, samples, summary) VALUES (?, ?, ?, ?, ?)')
          .run(runId, summary.method, summary.layer, summary.samples, JSON.stringify(summary));
        const id = Number(info.lastInsertRowid);
        for (const image of images) {
          insert.run(
            id,
            image.index,
            image.label,
            image.predicted,
            image.probability,
            image.background,
            blob(image.map),
            blob(image.std),
            blob(image.trueMap),
            blob(image.trueStd),
          );
        }
        return id;
      })
      .immediate();
  }

  /** The newest explanation of a run, or null. */
  latest(runId: number): { id: number; summary: ExplanationSummary } | null {
    const row = this.db
      .prepare<[number], { id: number; summary: string }>(
        'SELECT id, summary FROM explanations WHERE run_id = ? ORDER BY id DESC LIMIT 1',
      )
      .get(runId);
    return row ? { id: row.id, summary: ExplanationSummary.parse(JSON.parse(row.summary)) } : null;
  }

  /** A page of an explanation's images, in test order or by background share (highest first). */
  images(
    explanationId: number,
    page: { order: 'index' | 'background'; offset: number; limit: number },
  ): { total: number; items: ImageExplanation[] } {
    const total = this.db
      .prepare('SELECT count(*) FROM explanation_images WHERE explanation_id = ?')
      .pluck()
      .get(explanationId) as number;
    const order = page.order === 'background' ? 'background IS NULL, background DESC, idx' : 'idx';
    const rows = this.db
      .prepare<[number, number, number], ExplanationImageRow>(
        `SELECT * FROM explanation_images WHERE explanation_id = ? ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
      .all(explanationId, page.limit, page.offset);
    return {
      total,
      items: rows.map((row) => ({
        index: row.idx,
        label: row.label,
        predicted: row.predicted,
        probability: row.probability,
        background: row.background,
        map: floats(row.map) ?? [],
        std: floats(row.std),
        trueMap: floats(row.true_map),
        trueStd: floats(row.true_std),
      })),
    };
  }
}
