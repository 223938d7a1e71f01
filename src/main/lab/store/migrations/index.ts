import type Database from 'better-sqlite3';
import { datasets } from './001-datasets';
import { runs } from './002-runs';
import { evaluations } from './003-evaluations';
import { ensembles } from './004-ensembles';
import { explanations } from './005-explanations';
import { evaluationSamples } from './006-evaluation-samples';
import { cases } from './007-cases';
import { runOwners } from './008-run-owners';
import { runLeases } from './009-run-leases';
import { runIdentity } from './010-run-identity';
import { runFeatures } from './011-run-features';
import { trainLabelChecks } from './012-train-label-checks';
import { runMaps } from './013-run-maps';
import { backgroundTests } from './014-background-tests';
import { shownExplanations } from './015-shown-explanations';
import { runAgents } from './016-run-agents';

export interface Migration {
  /** The `user_version` the database has after this migration. */
  version: number;
  name: string;
  up: (db: Database.Database) => void;
}

/** Every migration, oldest first; versions are 1, 2, 3, … with no gaps. */
export const migrations: readonly Migration[] = [
  datasets,
  runs,
  evaluations,
  ensembles,
  explanations,
  evaluationSamples,
  cases,
  runOwners,
  runLeases,
  runIdentity,
  runFeatures,
  trainLabelChecks,
  runMaps,
  backgroundTests,
  shownExplanations,
  runAgents,
];
