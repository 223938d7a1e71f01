import type { Migration } from './index';

/**
 * Cases: annotations of images (tags, a note) keyed by the dataset's content hash, so they outlive
 * runs, evaluations and a re-import of the same data; their change history (for undo); the
 * samples' majority class per prediction; indexes for the case queries.
 */
export const cases: Migration = {
  version: 7,
  name: 'cases',
  up: (db) => {
    db.exec(`
      ALTER TABLE predictions ADD COLUMN majority INTEGER;
      -- covering indexes: case queries read these columns of every image without touching the rows
      CREATE INDEX predictions_for_cases ON predictions
        (evaluation_id, idx, predicted, confidence, entropy, mutual_information, variation_ratio, majority);
      CREATE INDEX explanation_images_for_cases ON explanation_images (explanation_id, idx, background);
      CREATE TABLE annotations (
        dataset_hash TEXT NOT NULL,
        split        TEXT NOT NULL CHECK (split IN ('train', 'test')),
        idx          INTEGER NOT NULL CHECK (idx >= 0),
        note         TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 10000),
        run_id       INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (dataset_hash, split, idx)
      );
      CREATE TABLE annotation_tags (
        dataset_hash TEXT NOT NULL,
        split        TEXT NOT NULL,
        idx          INTEGER NOT NULL,
        tag          TEXT NOT NULL CHECK (length(trim(tag)) BETWEEN 1 AND 40),
        PRIMARY KEY (dataset_hash, split, idx, tag),
        FOREIGN KEY (dataset_hash, split, idx) REFERENCES annotations (dataset_hash, split, idx) ON DELETE CASCADE
      );
      CREATE INDEX annotation_tags_by_tag ON annotation_tags (dataset_hash, tag, split, idx);
      -- one row per change: the annotation as it was before (null: there was none)
      CREATE TABLE annotation_history (
        id           INTEGER PRIMARY KEY,
        dataset_hash TEXT NOT NULL,
        split        TEXT NOT NULL,
        idx          INTEGER NOT NULL,
        before       TEXT CHECK (before IS NULL OR json_valid(before)),
        at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX annotation_history_by_image ON annotation_history (dataset_hash, split, idx, id);
      CREATE INDEX annotation_history_by_dataset ON annotation_history (dataset_hash, id);
    `);
  },
};
