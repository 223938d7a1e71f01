import type { Migration } from './index';

/** Deep ensembles: a member run points at its ensemble run. */
export const ensembles: Migration = {
  version: 4,
  name: 'ensembles',
  up: (db) => {
    db.exec(`
      ALTER TABLE runs ADD COLUMN parent_id INTEGER REFERENCES runs (id) ON DELETE CASCADE;
      CREATE INDEX runs_by_parent ON runs (parent_id);
    `);
  },
};
