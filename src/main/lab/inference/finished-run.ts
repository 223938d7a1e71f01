import type { DatasetSummary, RunSummary } from '../../../shared/contract';
import { initEngine, type tf } from '../engine/backend';
import type { DatasetStore } from '../store/datasets';
import type { RunStore } from '../store/runs';
import { loadCheckpointModel } from '../training/checkpoint';
import { ImageSet } from '../training/data';
import { loadMembers } from './ensemble-predict';

/** A finished run's trained model(s) (its best checkpoint; an ensemble's members) and its test set. */
export interface FinishedRun {
  run: RunSummary;
  dataset: DatasetSummary;
  test: ImageSet;
  /** One model, or an ensemble's members in seed order. The caller disposes them. */
  models: tf.LayersModel[];
}

/**
 * Opens a finished run for work on its test set (`verb`: "evaluated", "explained"), refusing
 * an unfinished run and a dataset whose content changed since training.
 */
export async function openFinishedRun(
  runs: RunStore,
  datasets: DatasetStore,
  runId: number,
  verb: string,
): Promise<FinishedRun> {
  const run = runs.get(runId);
  const ensemble = run.config.model === 'ensemble';
  const best = ensemble ? null : runs.checkpoint(runId, 'best');
  if (run.status !== 'done' || (!ensemble && !best))
    throw new Error(`run ${runId} is ${run.status}; only a finished run can be ${verb}`);
  const dataset = datasets.get(run.datasetId);
  if (dataset.contentHash !== run.datasetHash)
    throw new Error(`dataset ${dataset.id} no longer has the content run ${runId} was trained on`);
  await initEngine();
  const test = ImageSet.fromSplit(
    datasets.loadSplit(dataset.id, 'test'),
    dataset.imageShape,
    dataset.classes.length,
    run.config.testLimit,
  );
  const models = best ? [await loadCheckpointModel(best)] : await loadMembers(runs, runId);
  return { run, dataset, test, models };
}
