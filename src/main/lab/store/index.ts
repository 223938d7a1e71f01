/**
 * Every store over one study database, opened in one place (the Lab, the worker and the CLI all
 * call `openStores`). One store owns each table's SQL; the others read through it. A new table
 * gets a new store module here and one line in `Stores` and `openStores`.
 */
import { AgentReceipts } from './agent-receipts';
import { AnnotationStore } from './annotations';
import { BackgroundStore } from './background';
import { FeatureStore } from './features';
import { MapStore } from './maps';
import { TrainLabelCheckStore } from './train-label-checks';
import { CaseStore } from './cases';
import type { Db } from './database';
import { DatasetStore } from './datasets';
import { EvaluationStore } from './evaluations';
import { ExplanationStore } from './explanations';
import { DEFAULT_OWNERSHIP_TIMING } from './run-owners';
import { RunStore } from './runs';

export interface Stores {
  datasets: DatasetStore;
  runs: RunStore;
  evaluations: EvaluationStore;
  explanations: ExplanationStore;
  annotations: AnnotationStore;
  /** The case queries (read-only over the tables above). */
  cases: CaseStore;
  /** A run's features of every image (the layer before the head). */
  features: FeatureStore;
  /** Each training image's neighbour labels per run (the "may be mislabelled" list). */
  labelChecks: TrainLabelCheckStore;
  /** A run's embedding map. */
  maps: MapStore;
  /** A run's background tests. */
  background: BackgroundStore;
  /** The training agents' results already recorded, by job key (each recorded once). */
  receipts: AgentReceipts;
}

export interface StoreOptions {
  /** When a run's owner counts as gone (run-owners.ts; default 60 s). */
  staleMs?: number;
}

/** Opens every store over `db` (an open, migrated database: ./database.ts `openDatabase`). */
export function openStores(db: Db, options: StoreOptions = {}): Stores {
  return {
    datasets: new DatasetStore(db),
    runs: new RunStore(db, options.staleMs ?? DEFAULT_OWNERSHIP_TIMING.staleMs),
    evaluations: new EvaluationStore(db),
    explanations: new ExplanationStore(db),
    annotations: new AnnotationStore(db),
    cases: new CaseStore(db),
    features: new FeatureStore(db),
    labelChecks: new TrainLabelCheckStore(db),
    maps: new MapStore(db),
    background: new BackgroundStore(db),
    receipts: new AgentReceipts(db),
  };
}
