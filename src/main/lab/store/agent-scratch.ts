/**
 * The scratch study of a training agent: a database of the agent's own (never the app's) holding
 * one job's dataset and runs, with the app's run ids, so that the same training code runs there
 * as in the app's worker. What the training writes is relayed to the app, which records it.
 */
import { RunConfig, type AgentRun } from '../../../shared/contract';
import type { Db } from './database';
import { RunStore, type Checkpoint } from './runs';

/** Inserts a job's runs (an ensemble's members after it) as the app last recorded them, with their checkpoints. */
export function insertAgentRuns(
  db: Db,
  input: {
    datasetId: number;
    datasetHash: string;
    runs: readonly (Omit<AgentRun, 'checkpoints'> & { checkpoints: Partial<Record<'last' | 'best', Checkpoint>> })[];
  },
): void {
  const insert = db.prepare(
    `INSERT INTO runs (id, dataset_id, dataset_hash, model, config, parent_id, status, epochs_done, best_epoch,
                       best_val_loss, name)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const store = new RunStore(db);
  db.transaction(() => {
    for (const run of input.runs) {
      const config = RunConfig.parse(run.config);
      insert.run(
        run.id,
        input.datasetId,
        input.datasetHash,
        config.model,
        JSON.stringify(config),
        run.parentId,
        run.status,
        run.epochsDone,
        run.bestEpoch,
        run.bestValLoss,
        `run ${run.id}`,
      );
      for (const [kind, checkpoint] of Object.entries(run.checkpoints))
        store.saveCheckpoint(run.id, kind as 'last' | 'best', checkpoint);
    }
  })();
}
