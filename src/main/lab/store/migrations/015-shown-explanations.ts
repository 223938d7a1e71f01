import type { Migration } from './index';

/**
 * Which explanation a run's pages show, chosen by the user (a run keeps every explanation made of
 * it). No row: the newest. The pick is deleted with its run or its explanation (then the newest is
 * shown again), and can only name an explanation of its own run. Nothing existing changes: every
 * run goes on showing its newest explanation.
 */
export const shownExplanations: Migration = {
  version: 15,
  name: 'shown-explanations',
  up: (db) => {
    db.exec(`
      CREATE TABLE shown_explanations (
        run_id         INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        explanation_id INTEGER NOT NULL REFERENCES explanations (id) ON DELETE CASCADE
      );
      CREATE INDEX shown_explanations_by_explanation ON shown_explanations (explanation_id);
      CREATE TRIGGER shown_explanations_same_run_insert BEFORE INSERT ON shown_explanations
        WHEN (SELECT run_id FROM explanations WHERE id = NEW.explanation_id) IS NOT NEW.run_id
        BEGIN SELECT RAISE(ABORT, 'the shown explanation must be one of the run''s own'); END;
      CREATE TRIGGER shown_explanations_same_run_update BEFORE UPDATE ON shown_explanations
        WHEN (SELECT run_id FROM explanations WHERE id = NEW.explanation_id) IS NOT NEW.run_id
        BEGIN SELECT RAISE(ABORT, 'the shown explanation must be one of the run''s own'); END;
    `);
  },
};
