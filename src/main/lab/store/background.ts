/**
 * The background tests of runs (migration 014): one module owns their SQL. A run's current test
 * is its newest one of its current evaluation: a test follows that evaluation's predicted
 * classes, so a test of an older evaluation is never shown beside a newer one's predictions.
 */
import { BackgroundSummary, type BackgroundImage } from '../../../shared/contract';
import type { Db } from './database';

/** One image's test as the job produces it. */
export interface StoredBackgroundImage {
  index: number;
  label: number;
  predicted: number;
  dependence: number;
  centreDependence: number;
  flips: boolean;
  flippedTo: number | null;
  /** K probabilities unchanged, then K per fill (`BACKGROUND_FILLS` order). */
  probabilities: readonly (readonly number[])[];
}

interface BackgroundImageRow {
  idx: number;
  label: number;
  predicted: number;
  dependence: number;
  centre_dependence: number;
  flips: number;
  flipped_to: number | null;
  probabilities: string;
}

const argmax = (p: readonly number[]): number => p.reduce((best, v, k) => (v > (p[best] ?? -1) ? k : best), 0);

/** A stored row (or the case query's columns) as the contract's result. */
export function backgroundResult(
  row: Omit<BackgroundImageRow, 'idx' | 'label'>,
): Omit<BackgroundImage, 'index' | 'label'> {
  const [base = [], ...fills] = JSON.parse(row.probabilities) as number[][];
  return {
    predicted: row.predicted,
    base: base[row.predicted] ?? 0,
    variants: fills.map((p) => p[row.predicted] ?? 0),
    variantClasses: fills.map(argmax),
    dependence: row.dependence,
    centreDependence: row.centre_dependence,
    flips: row.flips === 1,
    flippedTo: row.flipped_to,
  };
}

export class BackgroundStore {
  constructor(private readonly db: Db) {}

  /** Stores a test and all its images in one transaction; returns its id. */
  add(runId: number, summary: BackgroundSummary, images: readonly StoredBackgroundImage[]): number {
    const insert = this.db.prepare(
      `INSERT INTO background_images (test_id, idx, label, predicted, dependence, centre_dependence, flips, flipped_to, probabilities)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare('INSERT INTO background_tests (run_id, evaluation_id, samples, summary) VALUES (?, ?, ?, ?)')
          .run(runId, summary.evaluationId, summary.samples, JSON.stringify(summary));
        const id = Number(info.lastInsertRowid);
        for (const image of images)
          insert.run(
            id,
            image.index,
            image.label,
            image.predicted,
            image.dependence,
            image.centreDependence,
            image.flips ? 1 : 0,
            image.flippedTo,
            JSON.stringify(image.probabilities.map((p) => p.map((v) => Math.round(v * 1e6) / 1e6))),
          );
        return id;
      })
      .immediate();
  }

  /**
   * The run's current test: its newest of the run's current (newest) evaluation, with its id and
   * time of creation; null when that evaluation has none.
   */
  current(runId: number): { id: number; createdAt: string; summary: BackgroundSummary } | null {
    const row = this.db
      .prepare<[number, number], { id: number; created_at: string; summary: string }>(
        `SELECT id, created_at, summary FROM background_tests
          WHERE run_id = ? AND evaluation_id = (SELECT max(id) FROM evaluations WHERE run_id = ?)
          ORDER BY id DESC LIMIT 1`,
      )
      .get(runId, runId);
    return row
      ? { id: row.id, createdAt: row.created_at, summary: BackgroundSummary.parse(JSON.parse(row.summary)) }
      : null;
  }

  /** A page of a test's images, in test order or most background-dependent first. */
  images(
    testId: number,
    page: { order: 'index' | 'dependence'; offset: number; limit: number },
  ): { total: number; items: BackgroundImage[] } {
    const total = this.db
      .prepare('SELECT count(*) FROM background_images WHERE test_id = ?')
      .pluck()
      .get(testId) as number;
    const order = page.order === 'dependence' ? 'dependence DESC, idx' : 'idx';
    const rows = this.db
      .prepare<[number, number, number], BackgroundImageRow>(
        `SELECT * FROM background_images WHERE test_id = ? ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
      .all(testId, page.limit, page.offset);
    return {
      total,
      items: rows.map((row) => ({ index: row.idx, label: row.label, ...backgroundResult(row) })),
    };
  }
}
