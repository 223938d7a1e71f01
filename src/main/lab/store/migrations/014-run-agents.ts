import type { Migration } from './index';

/**
 * Which training agent trained a run (its name, as `casebook agent --name` gave it), or NULL for
 * the local worker. Existing runs were all trained locally: NULL. Numbered 14 to follow the
 * migrations 11–13 of the work merged beside it.
 */
export const runAgents: Migration = {
  version: 14,
  name: 'run-agents',
  up: (db) => {
    db.exec('ALTER TABLE runs ADD COLUMN agent TEXT CHECK (agent IS NULL OR length(agent) BETWEEN 1 AND 80);');
  },
};
