import type { Migration } from './index';

/**
 * The background test of runs (issue 20): a summary per test, which follows one evaluation's
 * predicted classes, and per test image the predicted class's probability unchanged and with the
 * ring or the centre replaced (blurred, mean colour), the dependence scores and whether the class
 * flips. New tables only: nothing stored before changes.
 */
export const backgroundTests: Migration = {
  version: 14,
  name: 'background-tests',
  up: (db) => {
    db.exec(`
      CREATE TABLE background_tests (
        id            INTEGER PRIMARY KEY,
        run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        evaluation_id INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
        samples       INTEGER NOT NULL CHECK (samples >= 1),
        summary       TEXT NOT NULL CHECK (json_valid(summary)),
        created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX background_tests_by_run ON background_tests (run_id, evaluation_id, id);
      -- probabilities: JSON [[K] unchanged, [K] × the four fills in stored order]
      CREATE TABLE background_images (
        test_id           INTEGER NOT NULL REFERENCES background_tests (id) ON DELETE CASCADE,
        idx               INTEGER NOT NULL CHECK (idx >= 0),
        label             INTEGER NOT NULL,
        predicted         INTEGER NOT NULL,
        dependence        REAL NOT NULL CHECK (dependence >= 0),
        centre_dependence REAL NOT NULL CHECK (centre_dependence >= 0),
        flips             INTEGER NOT NULL CHECK (flips IN (0, 1)),
        flipped_to        INTEGER,
        probabilities     TEXT NOT NULL CHECK (json_valid(probabilities)),
        PRIMARY KEY (test_id, idx)
      );
      CREATE INDEX background_images_for_cases ON background_images (test_id, idx, dependence, flips);
      CREATE INDEX background_images_by_dependence ON background_images (test_id, dependence DESC, idx);
    `);
  },
};
