import type { Migration } from './index';

/** Datasets and their images, stored as uint8 HWC pixels, one row per image. */
export const datasets: Migration = {
  version: 1,
  name: 'datasets',
  up: (db) => {
    db.exec(`
      CREATE TABLE datasets (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('cifar10', 'folder')),
        source        TEXT NOT NULL,
        classes       TEXT NOT NULL CHECK (json_valid(classes)),
        height        INTEGER NOT NULL CHECK (height > 0),
        width         INTEGER NOT NULL CHECK (width > 0),
        channels      INTEGER NOT NULL CHECK (channels IN (1, 3)),
        content_hash  TEXT NOT NULL UNIQUE,
        source_sha256 TEXT,
        created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE TABLE images (
        dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
        split      TEXT NOT NULL CHECK (split IN ('train', 'test')),
        idx        INTEGER NOT NULL CHECK (idx >= 0),
        label      INTEGER NOT NULL CHECK (label >= 0),
        pixels     BLOB NOT NULL,
        origin     TEXT,
        PRIMARY KEY (dataset_id, split, idx)
      );
      CREATE INDEX images_by_label ON images (dataset_id, split, label, idx);
    `);
  },
};
