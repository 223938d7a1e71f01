import type { Migration } from './index';

/**
 * The T sampled probability vectors behind each image's boxplots, for a run's current evaluation
 * only (older evaluations lose theirs when a newer one is stored): T × K probabilities per image
 * as uint16 (round(p · 65535), little-endian), sample-major (sample t, class k at t·K + k).
 */
export const evaluationSamples: Migration = {
  version: 6,
  name: 'evaluation-samples',
  up: (db) => {
    db.exec(`
      CREATE TABLE evaluation_samples (
        evaluation_id INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
        idx           INTEGER NOT NULL CHECK (idx >= 0),
        samples       BLOB NOT NULL,
        PRIMARY KEY (evaluation_id, idx)
      );
    `);
  },
};
