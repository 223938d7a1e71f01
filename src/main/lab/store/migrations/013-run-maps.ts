import type { Migration } from './index';

/**
 * Embedding maps: per run (and split, today only the test set) the 2-D UMAP coordinates of its
 * images' features, float32 (x, y) interleaved in index order, with how they were made. One map
 * per run and split: computing it again replaces it. Deleted with the run. Nothing else changes.
 */
export const runMaps: Migration = {
  version: 13,
  name: 'run-maps',
  up: (db) => {
    db.exec(`
      CREATE TABLE run_maps (
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        split       TEXT NOT NULL CHECK (split IN ('train', 'test')),
        method      TEXT NOT NULL CHECK (method IN ('umap')),
        seed        INTEGER NOT NULL CHECK (seed >= 0),
        params      TEXT NOT NULL CHECK (json_valid(params)),
        dim         INTEGER NOT NULL CHECK (dim > 0),
        count       INTEGER NOT NULL CHECK (count >= 0),
        coords      BLOB NOT NULL CHECK (length(coords) = 8 * count),
        seconds     REAL NOT NULL CHECK (seconds >= 0),
        created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (run_id, split)
      );
    `);
  },
};
