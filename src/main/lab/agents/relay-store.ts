/**
 * The agent's run store: the scratch study's RunStore whose training writes, once done there,
 * are also handed to `relay` as AgentWrites for the app to record. Failures are not relayed as
 * statuses: they go through the job, which another agent may take up again.
 */
import type { AgentWrite, EpochMetrics, RunStatus, RunSummary } from '../../../shared/contract';
import type { Db } from '../store/database';
import { RunStore, type Checkpoint, type CheckpointKind } from '../store/runs';
import { toWire } from './wire';

export class RelayRunStore extends RunStore {
  constructor(
    db: Db,
    private readonly relay: (write: AgentWrite) => void,
  ) {
    super(db);
  }

  override markStarted(id: number, details: { backend: string; params: number }): RunSummary {
    const run = super.markStarted(id, details);
    this.relay({ op: 'started', runId: id, ...details });
    return run;
  }

  override setStatus(id: number, status: RunStatus, error: string | null = null): RunSummary {
    const run = super.setStatus(id, status, error);
    if (status === 'running' || status === 'done') this.relay({ op: 'status', runId: id, status });
    return run;
  }

  override recordEpoch(
    id: number,
    metrics: EpochMetrics,
    update: {
      best: { epoch: number; valLoss: number } | null;
      checkpoints: Partial<Record<CheckpointKind, Checkpoint>>;
    },
  ): RunSummary {
    const run = super.recordEpoch(id, metrics, update);
    const checkpoints = Object.fromEntries(
      Object.entries(update.checkpoints).map(([kind, checkpoint]) => [kind, toWire(checkpoint)]),
    );
    this.relay({ op: 'epoch', runId: id, metrics, best: update.best, checkpoints });
    return run;
  }

  override recordEnsemble(
    id: number,
    totals: { backend: string | null; params: number; trainSeconds: number; epochs: number },
  ): RunSummary {
    const run = super.recordEnsemble(id, totals);
    this.relay({ op: 'ensemble', runId: id, ...totals });
    return run;
  }

  override recordTest(id: number, result: { loss: number; accuracy: number }): RunSummary {
    const run = super.recordTest(id, result);
    this.relay({ op: 'test', runId: id, ...result });
    return run;
  }
}
