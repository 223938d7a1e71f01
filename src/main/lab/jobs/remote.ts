import type { Emit, WorkerLauncher } from './manager';
import type { JobSpec } from './protocol';
import type { AgentReceipts } from '../store/agent-receipts';
import type { DatasetStore } from '../store/datasets';
import type { EvaluationStore } from '../store/evaluations';
import type { ExplanationStore } from '../store/explanations';
import type { RunStore } from '../store/runs';
import type { Lease } from '../store/run-owners';

/** What a Lab hands the agents' queue: the stores it records results with, and its events. */
export interface RemoteTarget {
  runs: RunStore;
  datasets: DatasetStore;
  evaluations: EvaluationStore;
  explanations: ExplanationStore;
  receipts: AgentReceipts;
  emit: Emit;
}

/** What the queue holds now (every study's jobs), and who serves it. */
export interface QueueState {
  agents: string[] | null;
  waiting: number;
  active: number;
}

/**
 * Jobs run elsewhere (training agents behind a queue): which jobs go there, the launcher whose
 * handles stand for them in the JobManager, the claims the queue still holds for this study (to
 * adopt when the Lab opens), and the recording of what comes back, once the Lab has its stores.
 */
export interface RemoteJobs {
  remote(spec: JobSpec): boolean;
  /** The queue, its password hidden, for the app to show. */
  readonly display: string;
  launch: WorkerLauncher;
  readonly adoptable: readonly Lease[];
  /** The queue as its Settings show it: the agents serving it (null: not listed) and its jobs. */
  state(): Promise<QueueState>;
  /** Takes back the jobs no agent has taken yet; returns their JobManager ids, for the local worker. */
  recall(): Promise<string[]>;
  /** Starts recording results into the Lab's stores. */
  attach(target: RemoteTarget): void;
  /** Stops recording at once, before the Lab closes its database. */
  detach(): void;
  /** Stops listening; jobs already on the queue stay there (agents carry on). */
  close(): Promise<void>;
}
