import type { RunConfig } from '../../../shared/contract';
import type { tf } from '../engine/backend';
import { buildCnn } from '../models/cnn';
import { buildMcDropout } from '../models/mcdropout';
import { buildVnn } from '../models/vnn';

/** The untrained model a run's config describes, for images of `inputShape` and `classes` classes. */
export function buildModel(
  config: RunConfig,
  data: { inputShape: [number, number, number]; classes: number; trainingSize: number },
): tf.LayersModel {
  const { inputShape, classes } = data;
  const seed = config.seed;
  switch (config.model) {
    case 'cnn':
      return buildCnn({ inputShape, classes, dropout: config.dropout, seed });
    case 'vnn':
      return buildVnn({ inputShape, classes, latent: config.latent, seed });
    case 'mcdropout':
      return buildMcDropout({
        inputShape,
        classes,
        keepProb: 1 - config.dropout,
        tau: config.tau,
        trainingSize: data.trainingSize,
        seed,
      });
    case 'ensemble':
      throw new Error('a deep ensemble has no model of its own: its members are CNN runs');
  }
}
