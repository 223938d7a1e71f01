/**
 * Receipts of the results agents sent (an evaluation, an explanation), by job key: BullMQ
 * delivers at least once, and a result whose receipt exists is not recorded again. The receipt
 * and the result are written in one transaction.
 */
import type { Db } from './database';

export class AgentReceipts {
  constructor(private readonly db: Db) {}

  /** Runs `write` and keeps a receipt for `key`, in one transaction, unless the receipt exists; returns whether it wrote. */
  once(key: string, runId: number, write: () => void): boolean {
    return this.db
      .transaction(() => {
        const added = this.db
          .prepare('INSERT OR IGNORE INTO agent_receipts (job_key, run_id) VALUES (?, ?)')
          .run(key, runId).changes;
        if (added === 0) return false;
        write();
        return true;
      })
      .immediate();
  }
}
