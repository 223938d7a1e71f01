/**
 * Every store over one study database, opened in one place (the Lab, the worker and the CLI all
 * call `openStores`). One store owns each table's SQL; the others read through it. A new table
 * gets a new store module here and one line in `Stores` and `openStores`.
 */
import { AnnotationStore } from './annotations';
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
  // issue 20's feature stores go here: features (FeatureStore), maps (MapStore), background (BackgroundStore)
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
  };
}
