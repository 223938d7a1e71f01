import type { Migration } from './index';

/**
 * The owner's claim on a run as a lease with a fencing token: owner_generation grows by one each
 * time a run changes hands (claimed, given up, or called interrupted). A trainer carries the
 * generation it was started with, and every write of its training checks it in the same
 * transaction, so a trainer whose claim was taken writes nothing more. Existing runs start at 0.
 */
export const runLeases: Migration = {
  version: 9,
  name: 'run-leases',
  up: (db) => {
    db.exec('ALTER TABLE runs ADD COLUMN owner_generation INTEGER NOT NULL DEFAULT 0 CHECK (owner_generation >= 0);');
  },
};
