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

/** A prediction as stored (its samples encoded, see ./quantised). */
export interface StoredPredictionRow {
  idx: number;
  label: number;
  predicted: number;
  confidence: number;
  entropy: number;
  mutualInformation: number | null;
  variationRatio: number | null;
  majority: number | null;
  probabilities: number[];
  boxplots: unknown;
  samples: Uint8Array | null;
}

/** An evaluation as stored: what a bundle carries. */
export interface StoredEvaluation {
  samples: number;
  metrics: unknown;
  createdAt: string;
  predictions: StoredPredictionRow[];
}

interface PredictionDbRow {
  idx: number;
  label: number;
  predicted: number;
  confidence: number;
  entropy: number;
  mutual_information: number | null;
  variation_ratio: number | null;
  majority: number | null;
  probabilities: string;
  boxplots: string | null;
  samples: Buffer | null;
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
 * image's boxplots; the newest evaluation of a run is its current one (`current`, the one definition
 * of it), and only it keeps samples.
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
    return this.write(
      runId,
      { samples: metrics.samples, metrics, createdAt: null },
      images.map((image, j) => ({
        idx: image.index,
        label: image.label,
        predicted: image.predicted,
        confidence: image.confidence,
        entropy: image.entropy,
        mutualInformation: image.mutualInformation,
        variationRatio: image.variationRatio,
        majority: image.majority,
        probabilities: image.probabilities,
        boxplots: image.boxplots,
        samples: keep ? encodeProbabilities(samples.subarray(j * T * K, (j + 1) * T * K)) : null,
      })),
    );
  }

  /** Writes back an evaluation as a bundle carries it (its time of creation, samples already encoded); returns its id. */
  restore(
    runId: number,
    evaluation: Omit<StoredEvaluation, 'predictions'>,
    rows: readonly StoredPredictionRow[],
  ): number {
    return this.write(runId, evaluation, rows);
  }

  /** The one writer of evaluations: the evaluation, its predictions and samples; older evaluations of the run lose theirs. */
  private write(
    runId: number,
    evaluation: { samples: number; metrics: unknown; createdAt: string | null },
    rows: readonly StoredPredictionRow[],
  ): number {
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
          .prepare(
            `INSERT INTO evaluations (run_id, samples, metrics, created_at)
             VALUES (?, ?, ?, coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`,
          )
          .run(runId, evaluation.samples, JSON.stringify(evaluation.metrics), evaluation.createdAt);
        const id = Number(info.lastInsertRowid);
        // only the current evaluation keeps samples; freed first, their pages take the new ones
        this.db
          .prepare(
            'DELETE FROM evaluation_samples WHERE evaluation_id IN (SELECT id FROM evaluations WHERE run_id = ? AND id < ?)',
          )
          .run(runId, id);
        for (const row of rows) {
          insertPrediction.run(
            id,
            row.idx,
            row.label,
            row.predicted,
            row.confidence,
            row.entropy,
            row.mutualInformation,
            row.variationRatio,
            row.majority,
            JSON.stringify(row.probabilities),
            row.boxplots === null ? null : JSON.stringify(row.boxplots),
          );
          if (row.samples !== null) insertSamples.run(id, row.idx, row.samples);
        }
        return id;
      })
      .immediate();
  }

  /**
   * The run's current evaluation: its newest, the single source of its predictions everywhere
   * (pages, cases, comparisons, exports, explanations), or null.
   */
  current(runId: number): { id: number; samples: number; metrics: RunMetrics; createdAt: string } | null {
    const row = this.db
      .prepare<[number], { id: number; samples: number; metrics: string; created_at: string }>(
        'SELECT id, samples, metrics, created_at FROM evaluations WHERE run_id = ? ORDER BY id DESC LIMIT 1',
      )
      .get(runId);
    return row
      ? {
          id: row.id,
          samples: row.samples,
          metrics: RunMetrics.parse(JSON.parse(row.metrics)),
          createdAt: row.created_at,
        }
      : null;
  }

  /** An evaluation as stored, every prediction with its encoded samples (for a bundle). */
  stored(evaluationId: number): StoredEvaluation {
    const head = this.db
      .prepare<[number], { samples: number; metrics: string; created_at: string }>(
        'SELECT samples, metrics, created_at FROM evaluations WHERE id = ?',
      )
      .get(evaluationId);
    if (!head) throw new Error(`evaluation ${evaluationId} does not exist`);
    const predictions = this.db
      .prepare<[number], PredictionDbRow>(
        `SELECT p.idx, p.label, p.predicted, p.confidence, p.entropy, p.mutual_information, p.variation_ratio,
                p.majority, p.probabilities, p.boxplots, s.samples
           FROM predictions p LEFT JOIN evaluation_samples s ON s.evaluation_id = p.evaluation_id AND s.idx = p.idx
          WHERE p.evaluation_id = ? ORDER BY p.idx`,
      )
      .all(evaluationId)
      .map((p) => ({
        idx: p.idx,
        label: p.label,
        predicted: p.predicted,
        confidence: p.confidence,
        entropy: p.entropy,
        mutualInformation: p.mutual_information,
        variationRatio: p.variation_ratio,
        majority: p.majority,
        probabilities: JSON.parse(p.probabilities) as number[],
        boxplots: p.boxplots === null ? null : (JSON.parse(p.boxplots) as unknown),
        samples: p.samples,
      }));
    return {
      samples: head.samples,
      metrics: JSON.parse(head.metrics) as unknown,
      createdAt: head.created_at,
      predictions,
    };
  }

  /** The boxplot statistics of one image's prediction (stochastic runs), or null. */
  boxplots(evaluationId: number, index: number): unknown {
    const text = this.db
      .prepare<[number, number], string | null>('SELECT boxplots FROM predictions WHERE evaluation_id = ? AND idx = ?')
      .pluck()
      .get(evaluationId, index);
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /** Whether the T samples of one image are stored with the evaluation. */
  hasSamples(evaluationId: number, index: number): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM evaluation_samples WHERE evaluation_id = ? AND idx = ?')
        .get(evaluationId, index) !== undefined
    );
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
