import type { Migration } from './index';

/**
 * A run's features (the layer before its classifier head, see lab/features/extract.ts) of every
 * training and test image: one float16 blob per split, `count` rows of `dim` values in image
 * order, deleted with the run. Nothing existing changes; older runs get theirs on demand.
 */
export const runFeatures: Migration = {
  version: 11,
  name: 'run-features',
  up: (db) => {
    db.exec(`
      CREATE TABLE run_features (
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        split       TEXT NOT NULL CHECK (split IN ('train', 'test')),
        layer       TEXT NOT NULL,
        dim         INTEGER NOT NULL CHECK (dim >= 1),
        count       INTEGER NOT NULL CHECK (count >= 0),
        vectors     BLOB NOT NULL CHECK (length(vectors) = 2 * dim * count),
        created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (run_id, split)
      );
    `);
  },
};
