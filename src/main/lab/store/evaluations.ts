import { RunMetrics } from '../../../shared/contract';
import type { ImagePrediction } from '../evaluation/report';
import type { Db } from './database';

/** Evaluations and their per-image predictions; the newest evaluation of a run is its current one. */
export class EvaluationStore {
  constructor(private readonly db: Db) {}

  /** Stores one evaluation and all its predictions in one transaction; returns its id. */
  add(runId: number, metrics: RunMetrics, images: readonly ImagePrediction[]): number {
    const insertPrediction = this.db.prepare(
      `INSERT INTO predictions (evaluation_id, idx, label, predicted, confidence, entropy, mutual_information,
                                variation_ratio, majority, probabilities, boxplots)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare('INSERT INTO evaluations (run_id, samples, metrics) VALUES (?, ?, ?)')
          .run(runId, metrics.samples, JSON.stringify(metrics));
        const id = Number(info.lastInsertRowid);
        for (const image of images) {
          insertPrediction.run(
            id,
            image.index,
            image.label,
            image.predicted,
            image.confidence,
            image.entropy,
            image.mutualInformation,
            image.variationRatio,
            image.majority,
            JSON.stringify(image.probabilities),
            image.boxplots === null ? null : JSON.stringify(image.boxplots),
          );
        }
        return id;
      })
      .immediate();
  }

  /** The newest evaluation of a run, or null. */
  latest(runId: number): { id: number; metrics: RunMetrics; createdAt: string } | null {
    const row = this.db
      .prepare<[number], { id: number; metrics: string; created_at: string }>(
        'SELECT id, metrics, created_at FROM evaluations WHERE run_id = ? ORDER BY id DESC LIMIT 1',
      )
      .get(runId);
    return row ? { id: row.id, metrics: RunMetrics.parse(JSON.parse(row.metrics)), createdAt: row.created_at } : null;
  }

  predictionCount(evaluationId: number): number {
    return this.db
      .prepare('SELECT count(*) FROM predictions WHERE evaluation_id = ?')
      .pluck()
      .get(evaluationId) as number;
  }
}
