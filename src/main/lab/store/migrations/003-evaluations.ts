import type { Migration } from './index';

/** Evaluations of runs on their test set: run-level metrics and one row per test image. */
export const evaluations: Migration = {
  version: 3,
  name: 'evaluations',
  up: (db) => {
    db.exec(`
      CREATE TABLE evaluations (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        samples     INTEGER NOT NULL CHECK (samples >= 1),
        metrics     TEXT NOT NULL CHECK (json_valid(metrics)),
        created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX evaluations_by_run ON evaluations (run_id, id);
      CREATE TABLE predictions (
        evaluation_id      INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
        idx                INTEGER NOT NULL,
        label              INTEGER NOT NULL,
        predicted          INTEGER NOT NULL,
        confidence         REAL NOT NULL,
        entropy            REAL NOT NULL,
        mutual_information REAL,
        variation_ratio    REAL,
        probabilities      TEXT NOT NULL CHECK (json_valid(probabilities)),
        boxplots           TEXT CHECK (boxplots IS NULL OR json_valid(boxplots)),
        PRIMARY KEY (evaluation_id, idx)
      );
    `);
  },
};
