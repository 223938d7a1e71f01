import type { Migration } from './index';

/**
 * Which training agent trained a run (its name, as `casebook agent --name` gave it), or NULL for
 * the local worker; existing runs were all trained locally: NULL. And the receipts of the agents'
 * evaluations and explanations, by job key, so that one delivered twice is recorded once.
 */
export const runAgents: Migration = {
  version: 16,
  name: 'run-agents',
  up: (db) => {
    db.exec(`
      ALTER TABLE runs ADD COLUMN agent TEXT CHECK (agent IS NULL OR length(agent) BETWEEN 1 AND 80);
      CREATE TABLE agent_receipts (
        job_key     TEXT PRIMARY KEY CHECK (length(job_key) <= 80),
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
    `);
  },
};
