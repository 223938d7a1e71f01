/**
 * Deep ensembles (Lakshminarayanan et al., 2017): M CNNs that differ only in their seed, each a
 * run of its own (its epochs, checkpoints and learning curve), trained one after another inside
 * the ensemble's job. The ensemble predicts with the mean of its members' probabilities; to the
 * evaluation and Grad-CAM it is a stochastic model whose samples are its members
 * (`inference/ensemble-predict.ts`).
 */
import type { RunSummary } from '../../../shared/contract';
import { tf } from '../engine/backend';
import type { DatasetStore } from '../store/datasets';
import type { RunStore } from '../store/runs';
import { loadMembers, memberProbabilities } from '../inference/ensemble-predict';
import { ImageSet } from './data';
import { testScores } from './scores';
import type { TrainOptions } from './train';

/** Trains the members that are not done yet (resuming any that stopped), then scores the ensemble. */
export async function trainEnsemble(
  options: TrainOptions,
  trainMember: (options: TrainOptions) => Promise<RunSummary>,
): Promise<RunSummary> {
  const { runs, runId } = options;
  const members = runs.members(runId);
  if (members.length === 0) throw new Error(`run ${runId} is an ensemble without members`);
  runs.markStarted(runId, { backend: '', params: 0 });
  let ensemble = recordTotals(runs, runId);
  options.onUpdate?.(ensemble, null);
  for (const [index, member] of members.entries()) {
    if (member.status === 'done') continue;
    await trainMember({
      ...options,
      runId: member.id,
      onProgress: (progress) =>
        options.onProgress?.({ ...progress, member: { index: index + 1, count: members.length } }),
    });
    ensemble = recordTotals(runs, runId);
    options.onUpdate?.(ensemble, null);
  }
  const models = await loadMembers(runs, runId);
  try {
    runs.recordTest(runId, ensembleTestScores(models, options.datasets, ensemble));
  } finally {
    for (const model of models) model.dispose();
  }
  ensemble = runs.setStatus(runId, 'done');
  options.onUpdate?.(ensemble, null);
  return ensemble;
}

/** Records a deep ensemble's totals from its members as stored (also by the app for an agent's ensemble). */
export function recordTotals(runs: RunStore, runId: number): RunSummary {
  const members = runs.members(runId);
  const done = members.filter((m) => m.status === 'done');
  return runs.recordEnsemble(runId, {
    backend: members.find((m) => m.backend !== null)?.backend ?? null,
    params: done.reduce((sum, m) => sum + (m.params ?? 0), 0),
    trainSeconds: members.reduce((sum, m) => sum + m.trainSeconds, 0),
    epochs: done.length,
  });
}

function ensembleTestScores(
  models: tf.LayersModel[],
  datasets: DatasetStore,
  run: RunSummary,
): { loss: number; accuracy: number } {
  const dataset = datasets.get(run.datasetId);
  const test = ImageSet.fromSplit(
    datasets.loadSplit(dataset.id, 'test'),
    dataset.imageShape,
    dataset.classes.length,
    run.config.testLimit,
  );
  const { x, y } = test.batch(test.range(0, test.size));
  try {
    return testScores((batch) => memberProbabilities(models, batch, run.config.batchSize).mean(1) as tf.Tensor2D, {
      x,
      y,
    });
  } finally {
    tf.dispose([x, y]);
  }
}
