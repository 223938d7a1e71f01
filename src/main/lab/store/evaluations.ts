import { RunMetrics } from '../../../shared/contract';
import type { ImagePrediction } from '../evaluation/report';
import type { Db } from './database';
import { decodeProbabilities, encodeProbabilities } from './quantised';

/** What an explanation needs of an evaluation's prediction for one image. */
export interface StoredPrediction {
  index: number;
  label: number;
  predicted: number;
  /** The mean probability of the predicted class. */
  confidence: number;
  /** Mean probabilities, one per class. */
  probabilities: number[];
}

/** The T sampled probability vectors of one image (as stored: within 7.6e-6 of the sampled values). */
export interface ImageSamples {
  /** T. */
  samples: number;
  /** K. */
  classes: number;
  /** T × K, sample-major: sample t's probability of class k at t·K + k. */
  values: Float32Array;
}

/**
 * Evaluations, their per-image predictions and, for stochastic runs, the samples behind each
 * image's boxplots; the newest evaluation of a run is its current one, and only it keeps samples.
 */
export class EvaluationStore {
  constructor(private readonly db: Db) {}

  /**
   * Stores one evaluation and all its predictions in one transaction; returns its id. `samples`
   * (N × T × K, image-major, in the order of `images`) are stored when T = `metrics.samples` > 1;
   * the run's older evaluations lose their samples in the same transaction.
   */
  add(runId: number, metrics: RunMetrics, images: readonly ImagePrediction[], samples?: Float32Array): number {
    const T = metrics.samples;
    const K = metrics.perClass.length;
    const keep = samples !== undefined && T > 1;
    if (keep && samples.length !== images.length * T * K) {
      throw new Error(
        `samples: expected ${images.length} images × ${T} samples × ${K} classes = ${images.length * T * K} values, got ${samples.length}`,
      );
    }
    const insertSamples = this.db.prepare(
      'INSERT INTO evaluation_samples (evaluation_id, idx, samples) VALUES (?, ?, ?)',
    );
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
        // only the current evaluation keeps samples; freed first, their pages take the new ones
        this.db
          .prepare(
            'DELETE FROM evaluation_samples WHERE evaluation_id IN (SELECT id FROM evaluations WHERE run_id = ? AND id < ?)',
          )
          .run(runId, id);
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
        if (keep) {
          images.forEach((image, j) =>
            insertSamples.run(id, image.index, encodeProbabilities(samples.subarray(j * T * K, (j + 1) * T * K))),
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

  /** One image's predicted class in the evaluation, or null when it did not see that image. */
  predicted(evaluationId: number, index: number): number | null {
    return (
      this.db
        .prepare<[number, number], number>('SELECT predicted FROM predictions WHERE evaluation_id = ? AND idx = ?')
        .pluck()
        .get(evaluationId, index) ?? null
    );
  }

  /** The evaluation's prediction for every image, in index order. */
  predictions(evaluationId: number): StoredPrediction[] {
    return this.db
      .prepare<[number], { idx: number; label: number; predicted: number; confidence: number; probabilities: string }>(
        `SELECT idx, label, predicted, confidence, probabilities FROM predictions
         WHERE evaluation_id = ? ORDER BY idx`,
      )
      .all(evaluationId)
      .map((row) => ({
        index: row.idx,
        label: row.label,
        predicted: row.predicted,
        confidence: row.confidence,
        probabilities: JSON.parse(row.probabilities) as number[],
      }));
  }

  /** Every stored image's samples of the evaluation, in index order (empty when none are stored). */
  *allSamples(evaluationId: number): Generator<{ index: number } & ImageSamples> {
    const rows = this.db
      .prepare<[number], { idx: number; samples: Buffer; t: number }>(
        `SELECT s.idx, s.samples, e.samples AS t FROM evaluation_samples s JOIN evaluations e ON e.id = s.evaluation_id
         WHERE s.evaluation_id = ? ORDER BY s.idx`,
      )
      .iterate(evaluationId);
    for (const row of rows) {
      const values = decodeProbabilities(row.samples);
      yield { index: row.idx, samples: row.t, classes: values.length / row.t, values };
    }
  }

  /** The T sampled probability vectors of image `index`, or null (not stored, or not the run's current evaluation). */
  samples(evaluationId: number, index: number): ImageSamples | null {
    const row = this.db
      .prepare<[number, number], { samples: Buffer; t: number }>(
        `SELECT s.samples, e.samples AS t FROM evaluation_samples s JOIN evaluations e ON e.id = s.evaluation_id
         WHERE s.evaluation_id = ? AND s.idx = ?`,
      )
      .get(evaluationId, index);
    if (!row) return null;
    const values = decodeProbabilities(row.samples);
    if (values.length % row.t !== 0)
      throw new Error(
        `evaluation ${evaluationId}, image ${index}: ${values.length} stored probabilities are not ${row.t} samples of whole classes`,
      );
    return { samples: row.t, classes: values.length / row.t, values };
  }
}
