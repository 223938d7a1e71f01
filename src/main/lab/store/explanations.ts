import { ExplanationSummary, type CamMethodName, type ImageExplanation } from '../../../shared/contract';
import { NotFoundError } from '../errors';
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

/** An explanation's image as stored: its maps as float32 blobs (what a bundle carries). */
export interface StoredExplanationImage {
  idx: number;
  label: number;
  predicted: number;
  probability: number;
  background: number | null;
  map: Uint8Array;
  std: Uint8Array | null;
  trueMap: Uint8Array | null;
  trueStd: Uint8Array | null;
}

/** An explanation's head as stored. */
export interface StoredExplanation {
  id: number;
  method: CamMethodName;
  layer: string;
  samples: number;
  /** The summary as stored (parsed JSON, not yet checked). */
  summary: unknown;
  createdAt: string;
}

/**
 * Explanations and their per-image maps. A run keeps every explanation made of it; which one is
 * "current" depends on the purpose, each defined here once: `shown` (the maps every page shows)
 * and `forBackground` (the background shares the case lists use).
 */
export class ExplanationStore {
  constructor(private readonly db: Db) {}

  /**
   * Stores a new explanation and all its images in one transaction; returns its id. It becomes the
   * one the run's pages show (the user's earlier pick is dropped; the older explanations stay).
   */
  add(runId: number, summary: ExplanationSummary, images: readonly StoredImageExplanation[]): number {
    return this.write(
      runId,
      { method: summary.method, layer: summary.layer, samples: summary.samples, summary, createdAt: null },
      images.map((image) => ({
        idx: image.index,
        label: image.label,
        predicted: image.predicted,
        probability: image.probability,
        background: image.background,
        map: blob(image.map) ?? Buffer.alloc(0),
        std: blob(image.std),
        trueMap: blob(image.trueMap),
        trueStd: blob(image.trueStd),
      })),
      { shown: true },
    );
  }

  /** Writes back an explanation as a bundle carries it (its time of creation, maps as blobs); returns its id. */
  restore(
    runId: number,
    explanation: Omit<StoredExplanation, 'id'>,
    images: readonly StoredExplanationImage[],
  ): number {
    return this.write(runId, explanation, images, { shown: false });
  }

  /** The one writer of explanations. */
  private write(
    runId: number,
    head: Omit<StoredExplanation, 'id' | 'createdAt'> & { createdAt: string | null },
    images: readonly StoredExplanationImage[],
    options: { shown: boolean },
  ): number {
    const insert = this.db.prepare(
      `INSERT INTO explanation_images (explanation_id, idx, label, predicted, probability, background, map, std, true_map, true_std)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare(
            `INSERT INTO explanations (run_id, method, layer, samples, summary, created_at)
             VALUES (?, ?, ?, ?, ?, coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`,
          )
          .run(runId, head.method, head.layer, head.samples, JSON.stringify(head.summary), head.createdAt);
        const id = Number(info.lastInsertRowid);
        // the newest is shown unless the user picked another: a new explanation drops the pick
        if (options.shown) this.db.prepare('DELETE FROM shown_explanations WHERE run_id = ?').run(runId);
        for (const image of images) {
          insert.run(
            id,
            image.idx,
            image.label,
            image.predicted,
            image.probability,
            image.background,
            image.map,
            image.std,
            image.trueMap,
            image.trueStd,
          );
        }
        return id;
      })
      .immediate();
  }

  /** Every explanation of a run as stored, oldest first. */
  stored(runId: number): StoredExplanation[] {
    return this.db
      .prepare<
        [number],
        { id: number; method: CamMethodName; layer: string; samples: number; summary: string; created_at: string }
      >('SELECT id, method, layer, samples, summary, created_at FROM explanations WHERE run_id = ? ORDER BY id')
      .all(runId)
      .map((e) => ({
        id: e.id,
        method: e.method,
        layer: e.layer,
        samples: e.samples,
        summary: JSON.parse(e.summary) as unknown,
        createdAt: e.created_at,
      }));
  }

  /** An explanation's images as stored, in test order. */
  storedImages(explanationId: number): StoredExplanationImage[] {
    return this.db
      .prepare<[number], ExplanationImageRow>(
        `SELECT idx, label, predicted, probability, background, map, std, true_map, true_std
           FROM explanation_images WHERE explanation_id = ? ORDER BY idx`,
      )
      .all(explanationId)
      .map((row) => ({
        idx: row.idx,
        label: row.label,
        predicted: row.predicted,
        probability: row.probability,
        background: row.background,
        map: row.map,
        std: row.std,
        trueMap: row.true_map,
        trueStd: row.true_std,
      }));
  }

  /** The newest explanation of the run that explains the predicted class (no chosen class), of `method` when given. */
  private forPredictedClass(runId: number, method?: CamMethodName): { id: number; createdAt: string } | null {
    const row = this.db
      .prepare<[number, string | null, string | null], { id: number; created_at: string }>(
        `SELECT id, created_at FROM explanations
          WHERE run_id = ? AND json_extract(summary, '$.targetClass') IS NULL AND (? IS NULL OR method = ?)
          ORDER BY id DESC LIMIT 1`,
      )
      .get(runId, method ?? null, method ?? null);
    return row ? { id: row.id, createdAt: row.created_at } : null;
  }

  /** One image's maps of an explanation (null when it has no such image). */
  imageMaps(
    explanationId: number,
    index: number,
  ): {
    explanationId: number;
    method: CamMethodName;
    layer: string;
    summary: ExplanationSummary;
    map: number[];
    std: number[] | null;
    trueMap: number[] | null;
    trueStd: number[] | null;
  } | null {
    const row = this.db
      .prepare<
        [number, number],
        {
          method: CamMethodName;
          layer: string;
          summary: string;
          map: Buffer;
          std: Buffer | null;
          true_map: Buffer | null;
          true_std: Buffer | null;
        }
      >(
        `SELECT e.method, e.layer, e.summary, m.map, m.std, m.true_map, m.true_std
           FROM explanation_images m JOIN explanations e ON e.id = m.explanation_id
          WHERE m.explanation_id = ? AND m.idx = ?`,
      )
      .get(explanationId, index);
    if (!row) return null;
    return {
      explanationId,
      method: row.method,
      layer: row.layer,
      summary: ExplanationSummary.parse(JSON.parse(row.summary)),
      map: floats(row.map) ?? [],
      std: floats(row.std),
      trueMap: floats(row.true_map),
      trueStd: floats(row.true_std),
    };
  }

  /**
   * The explanation a run's pages show, the one definition of it: the run page, the gallery's
   * tiles and the case view all show its maps. The one the user picked (`show`), else the newest
   * (one explaining a chosen class too); null when the run has none.
   */
  shown(runId: number): { id: number; summary: ExplanationSummary; createdAt: string } | null {
    const row = this.db
      .prepare<[number, number], { id: number; summary: string; created_at: string }>(
        `SELECT id, summary, created_at FROM explanations
          WHERE id = coalesce((SELECT explanation_id FROM shown_explanations WHERE run_id = ?),
                              (SELECT max(id) FROM explanations WHERE run_id = ?))`,
      )
      .get(runId, runId);
    return row
      ? { id: row.id, summary: ExplanationSummary.parse(JSON.parse(row.summary)), createdAt: row.created_at }
      : null;
  }

  /** Makes one of the run's explanations the one its pages show; throws NotFound when it is not the run's. */
  show(runId: number, explanationId: number): void {
    this.get(runId, explanationId);
    this.db
      .prepare('INSERT OR REPLACE INTO shown_explanations (run_id, explanation_id) VALUES (?, ?)')
      .run(runId, explanationId);
  }

  /** Whether the run's shown explanation is the user's pick (false: the newest, by default). */
  picked(runId: number): boolean {
    return this.db.prepare('SELECT 1 FROM shown_explanations WHERE run_id = ?').get(runId) !== undefined;
  }

  /** One of the run's explanations; throws NotFound when the run has no such explanation. */
  get(runId: number, explanationId: number): { id: number; summary: ExplanationSummary; createdAt: string } {
    const row = this.db
      .prepare<[number, number], { id: number; summary: string; created_at: string }>(
        'SELECT id, summary, created_at FROM explanations WHERE id = ? AND run_id = ?',
      )
      .get(explanationId, runId);
    if (!row) throw new NotFoundError(`run ${runId} has no explanation ${explanationId}`);
    return { id: row.id, summary: ExplanationSummary.parse(JSON.parse(row.summary)), createdAt: row.created_at };
  }

  /** Every explanation of the run, newest first. */
  list(runId: number): { id: number; summary: ExplanationSummary; createdAt: string }[] {
    return this.db
      .prepare<[number], { id: number; summary: string; created_at: string }>(
        'SELECT id, summary, created_at FROM explanations WHERE run_id = ? ORDER BY id DESC',
      )
      .all(runId)
      .map((row) => ({
        id: row.id,
        summary: ExplanationSummary.parse(JSON.parse(row.summary)),
        createdAt: row.created_at,
      }));
  }

  /** One test image of an explanation, or null when it has no such image. */
  image(explanationId: number, index: number): ImageExplanation | null {
    const row = this.db
      .prepare<[number, number], ExplanationImageRow>(
        'SELECT * FROM explanation_images WHERE explanation_id = ? AND idx = ?',
      )
      .get(explanationId, index);
    return row ? toImage(row) : null;
  }

  /**
   * The explanation whose background shares the case lists sort and filter by, the one definition
   * of it: a share is the predicted class's map mass in the border, so it comes from an explanation
   * of the predicted class. The shown one when it is such (a chosen class's is not), else the newest
   * such; with `method`, the newest such of that method. Null when the run has none.
   */
  forBackground(runId: number, method?: CamMethodName): { id: number; createdAt: string } | null {
    if (method === undefined) {
      const shown = this.shown(runId);
      if (shown && shown.summary.targetClass === null) return { id: shown.id, createdAt: shown.createdAt };
    }
    return this.forPredictedClass(runId, method);
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
      items: rows.map(toImage),
    };
  }
}

function toImage(row: ExplanationImageRow): ImageExplanation {
  return {
    index: row.idx,
    label: row.label,
    predicted: row.predicted,
    probability: row.probability,
    background: row.background,
    map: floats(row.map) ?? [],
    std: floats(row.std),
    trueMap: floats(row.true_map),
    trueStd: floats(row.true_std),
  };
}
