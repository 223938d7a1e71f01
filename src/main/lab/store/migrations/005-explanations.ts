import type { Migration } from './index';

/** Grad-CAM explanations of runs: a summary per explanation and the maps of every test image. */
export const explanations: Migration = {
  version: 5,
  name: 'explanations',
  up: (db) => {
    db.exec(`
      CREATE TABLE explanations (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        method      TEXT NOT NULL CHECK (method IN ('gradcam', 'gradcampp')),
        layer       TEXT NOT NULL,
        samples     INTEGER NOT NULL CHECK (samples >= 1),
        summary     TEXT NOT NULL CHECK (json_valid(summary)),
        created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX explanations_by_run ON explanations (run_id, id);
      -- maps are float32, row-major at the layer's resolution; true_map only when the prediction is wrong
      CREATE TABLE explanation_images (
        explanation_id INTEGER NOT NULL REFERENCES explanations (id) ON DELETE CASCADE,
        idx         INTEGER NOT NULL CHECK (idx >= 0),
        label       INTEGER NOT NULL,
        predicted   INTEGER NOT NULL,
        probability REAL NOT NULL,
        background  REAL,
        map         BLOB NOT NULL,
        std         BLOB,
        true_map    BLOB,
        true_std    BLOB,
        PRIMARY KEY (explanation_id, idx)
      );
      CREATE INDEX explanation_images_by_background ON explanation_images (explanation_id, background DESC);
    `);
  },
};
