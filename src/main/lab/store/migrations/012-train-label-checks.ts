import type { Migration } from './index';

/**
 * Per run and training image, how many of its k nearest training images (cosine over the run's
 * features, itself left out) carry another label, and which other label most of them carry: the
 * finder's "training image that may be mislabelled" list is SQL over these rows. Written by the
 * features job with the features (migration 011), deleted with the run. Nothing existing changes.
 */
export const trainLabelChecks: Migration = {
  version: 12,
  name: 'train-label-checks',
  up: (db) => {
    db.exec(`
      CREATE TABLE train_label_checks (
        run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        idx             INTEGER NOT NULL CHECK (idx >= 0),
        label           INTEGER NOT NULL,
        k               INTEGER NOT NULL CHECK (k >= 1),
        other           INTEGER NOT NULL CHECK (other BETWEEN 0 AND k),
        majority        INTEGER,
        majority_count  INTEGER NOT NULL CHECK (majority_count BETWEEN 0 AND other),
        -- the cosine distance to the nearest neighbour with another label (0: a duplicate labelled otherwise)
        nearest_other   REAL CHECK (nearest_other BETWEEN 0 AND 2),
        PRIMARY KEY (run_id, idx),
        CHECK ((majority IS NULL) = (other = 0)),
        CHECK ((nearest_other IS NULL) = (other = 0))
      );
      CREATE INDEX train_label_checks_by_share ON train_label_checks (run_id, other DESC);
    `);
  },
};
