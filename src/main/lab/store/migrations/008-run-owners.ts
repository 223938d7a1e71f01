import type { Migration } from './index';

/**
 * Run ownership and cross-process cancel. A queued or running run belongs to the process that
 * queued it (owner_pid on owner_host), which refreshes owner_heartbeat while it holds the run;
 * cancel_requested asks the owner, from any process, to stop it.
 */
export const runOwners: Migration = {
  version: 8,
  name: 'run-owners',
  up: (db) => {
    db.exec(`
      ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE runs ADD COLUMN owner_host TEXT;
      ALTER TABLE runs ADD COLUMN owner_heartbeat TEXT;
      ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1));
    `);
  },
};
