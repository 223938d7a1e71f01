/**
 * How a deep ensemble predicts: its members' best checkpoints, each member's probabilities
 * stacked as the ensemble's samples (their mean is the ensemble's prediction). Training the
 * members is `training/ensemble.ts`.
 */
import { tf } from '../engine/backend';
import type { RunStore } from '../store/runs';
import { loadCheckpointModel } from '../training/checkpoint';

/** The best-val_loss model of every member of an ensemble run, in seed order. */
export async function loadMembers(runs: RunStore, runId: number): Promise<tf.LayersModel[]> {
  const models: tf.LayersModel[] = [];
  try {
    for (const member of runs.members(runId)) {
      const best = runs.checkpoint(member.id, 'best');
      if (member.status !== 'done' || !best)
        throw new Error(`member run ${member.id} of ensemble ${runId} is ${member.status}, not trained`);
      models.push(await loadCheckpointModel(best));
    }
  } catch (error) {
    for (const model of models) model.dispose();
    throw error;
  }
  return models;
}

/** Each member's class probabilities for `x`, as [batch, members, classes]. */
export function memberProbabilities(models: tf.LayersModel[], x: tf.Tensor4D, batchSize = 256): tf.Tensor3D {
  return tf.tidy(
    () =>
      tf.stack(
        models.map((model) => model.predict(x, { batchSize }) as tf.Tensor2D),
        1,
      ) as tf.Tensor3D,
  );
}
