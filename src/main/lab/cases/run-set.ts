/**
 * The runs a case query looks at, resolved once: each run's current evaluation (the single source
 * of its predictions) and the explanation whose maps and background shares it shows.
 */
import type { CamMethodName, DatasetSummary, RunSummary } from '../../../shared/contract';
import { BadRequestError, ConflictError } from '../errors';
import type { Db } from '../store/database';
import { BackgroundStore } from '../store/background';
import type { DatasetStore } from '../store/datasets';
import type { RunStore } from '../store/runs';

export interface CaseRun {
  run: RunSummary;
  /** The run's name ("CNN #3" unless renamed). */
  label: string;
  evaluationId: number;
  /** T of the current evaluation. */
  samples: number;
  /** The explanation whose maps are shown, or null when the run has none. */
  explanationId: number | null;
  /** The background test of the current evaluation, or null when it has none. */
  backgroundTestId: number | null;
  /**
   * Which stored rows the run's values come from: the evaluation's, the explanation's and the background test's id and
   * time of creation (an id alone may be reused after its run is deleted).
   */
  version: string;
}

export interface RunSet {
  dataset: DatasetSummary;
  runs: CaseRun[];
}

/**
 * Resolves run ids to their current evaluations and explanations. Every run must be evaluated
 * and all must be on the same dataset content.
 */
export function resolveRunSet(
  stores: { db: Db; runs: RunStore; datasets: DatasetStore },
  runIds: readonly number[],
  method?: CamMethodName,
): RunSet {
  const runs = runIds.map((id) => stores.runs.get(id));
  const first = runs[0];
  if (!first) throw new BadRequestError('runs: choose at least one run');
  const other = runs.find((run) => run.datasetHash !== first.datasetHash);
  if (other)
    throw new BadRequestError(
      `runs: run ${other.id} was trained on another dataset than run ${first.id}; cases compare runs of one dataset`,
    );
  const dataset = stores.datasets.get(first.datasetId);
  if (dataset.contentHash !== first.datasetHash)
    throw new ConflictError(`dataset ${dataset.id} no longer has the content run ${first.id} was trained on`);
  const evaluation = stores.db.prepare<[number], { id: number; samples: number; created_at: string }>(
    'SELECT id, samples, created_at FROM evaluations WHERE run_id = ? ORDER BY id DESC LIMIT 1',
  );
  const explanation = stores.db.prepare<[number, string | null, string | null], { id: number; created_at: string }>(
    `SELECT id, created_at FROM explanations
      WHERE run_id = ? AND json_extract(summary, '$.targetClass') IS NULL AND (? IS NULL OR method = ?)
      ORDER BY id DESC LIMIT 1`,
  );
  const background = new BackgroundStore(stores.db);
  return {
    dataset,
    runs: runs.map((run) => {
      const current = evaluation.get(run.id);
      if (!current)
        throw new ConflictError(
          `run ${run.id} has no evaluation yet; evaluate it first (casebook evaluate --run ${run.id})`,
        );
      const explained = explanation.get(run.id, method ?? null, method ?? null);
      const tested = background.current(run.id);
      return {
        run,
        label: run.name,
        evaluationId: current.id,
        samples: current.samples,
        explanationId: explained?.id ?? null,
        backgroundTestId: tested?.id ?? null,
        version: `${run.id}:e${current.id}@${current.created_at}:x${explained ? `${explained.id}@${explained.created_at}` : '-'}:b${tested ? `${tested.id}@${tested.createdAt}` : '-'}`,
      };
    }),
  };
}

/** The finished, evaluated top-level runs of a dataset (ensemble members left out), oldest first. */
export function evaluatedRunIds(db: Db, datasetHash: string): number[] {
  return db
    .prepare<[string], number>(
      `SELECT r.id FROM runs r
        WHERE r.dataset_hash = ? AND r.parent_id IS NULL AND r.status = 'done'
          AND EXISTS (SELECT 1 FROM evaluations e WHERE e.run_id = r.id)
        ORDER BY r.id`,
    )
    .pluck()
    .all(datasetHash);
}
