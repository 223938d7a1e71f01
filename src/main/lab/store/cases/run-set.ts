/**
 * The runs a case query looks at, resolved once: each run's current evaluation (the single source
 * of its predictions) and the explanation whose maps and background shares it shows.
 */
import type { CamMethodName, DatasetSummary, RunSummary } from '../../../../shared/contract';
import { BadRequestError, ConflictError } from '../../errors';
import type { DatasetStore } from '../datasets';
import type { EvaluationStore } from '../evaluations';
import type { ExplanationStore } from '../explanations';
import type { BackgroundStore } from '../background';
import type { RunStore } from '../runs';

export interface CaseRun {
  run: RunSummary;
  /** The run's name ("CNN #3" unless renamed). */
  label: string;
  evaluationId: number;
  /** T of the current evaluation. */
  samples: number;
  /** The explanation whose background shares the rows use (ExplanationStore.forBackground), or null. */
  explanationId: number | null;
  /** The background test of the current evaluation, or null when it has none. */
  backgroundTestId: number | null;
  /** The explanation whose maps the case view shows (ExplanationStore.shown, or the `method`'s), or null. */
  shownExplanationId: number | null;
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

/** The stores a run set is resolved from. */
export interface RunSetStores {
  runs: RunStore;
  datasets: DatasetStore;
  evaluations: EvaluationStore;
  explanations: ExplanationStore;
  background: BackgroundStore;
}

/**
 * Resolves run ids to their current evaluations and explanations (as their stores define them).
 * Every run must be evaluated and all must be on the same dataset content.
 */
export function resolveRunSet(stores: RunSetStores, runIds: readonly number[], method?: CamMethodName): RunSet {
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
  return {
    dataset,
    runs: runs.map((run) => {
      const current = stores.evaluations.current(run.id);
      if (!current)
        throw new ConflictError(
          `run ${run.id} has no evaluation yet; evaluate it first (casebook evaluate --run ${run.id})`,
        );
      const explained = stores.explanations.forBackground(run.id, method);
      const shown = method === undefined ? stores.explanations.shown(run.id) : explained;
      const tested = stores.background.current(run.id);
      return {
        run,
        label: run.name,
        evaluationId: current.id,
        samples: current.samples,
        explanationId: explained?.id ?? null,
        backgroundTestId: tested?.id ?? null,
        shownExplanationId: shown?.id ?? null,
        version: `${run.id}:e${current.id}@${current.createdAt}:x${explained ? `${explained.id}@${explained.createdAt}` : '-'}:b${tested ? `${tested.id}@${tested.createdAt}` : '-'}`,
      };
    }),
  };
}
