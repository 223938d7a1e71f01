import type { Migration } from './index';

/** Training runs, their per-epoch metrics, and their checkpoints (weights in the database). */
export const runs: Migration = {
  version: 2,
  name: 'runs',
  up: (db) => {
    db.exec(`
      CREATE TABLE runs (
        id             INTEGER PRIMARY KEY,
        dataset_id     INTEGER NOT NULL REFERENCES datasets (id),
        dataset_hash   TEXT NOT NULL,
        model          TEXT NOT NULL,
        config         TEXT NOT NULL CHECK (json_valid(config)),
        status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
        error          TEXT,
        backend        TEXT,
        params         INTEGER,
        epochs_done    INTEGER NOT NULL DEFAULT 0,
        best_epoch     INTEGER,
        best_val_loss  REAL,
        train_seconds  REAL NOT NULL DEFAULT 0,
        images_per_second REAL,
        test_loss      REAL,
        test_accuracy  REAL,
        created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        started_at     TEXT,
        finished_at    TEXT
      );
      CREATE TABLE run_epochs (
        run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch         INTEGER NOT NULL CHECK (epoch >= 1),
        loss          REAL NOT NULL,
        accuracy      REAL NOT NULL,
        val_loss      REAL,
        val_accuracy  REAL,
        seconds       REAL NOT NULL,
        images_per_second REAL NOT NULL,
        PRIMARY KEY (run_id, epoch)
      );
      -- 'best': the best-val_loss weights; 'last': weights, optimizer state and loop state after
      -- the last finished epoch, for resuming.
      CREATE TABLE checkpoints (
        run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        kind          TEXT NOT NULL CHECK (kind IN ('best', 'last')),
        epoch         INTEGER NOT NULL,
        topology      TEXT NOT NULL CHECK (json_valid(topology)),
        weight_specs  TEXT NOT NULL CHECK (json_valid(weight_specs)),
        weights       BLOB NOT NULL,
        training_config TEXT CHECK (training_config IS NULL OR json_valid(training_config)),
        state         TEXT CHECK (state IS NULL OR json_valid(state)),
        saved_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (run_id, kind)
      );
    `);
  },
};
