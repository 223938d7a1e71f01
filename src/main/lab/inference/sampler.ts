/**
 * How a run's model(s) predict its test images, for every job that needs a prediction: T sampled
 * probability vectors per image (the evaluation) or their expectation (the deletion check of an
 * explanation). One prediction for a deterministic model; T samples of the head for a VNN or
 * MC-dropout model; one sample per member for an ensemble.
 */
import { tf } from '../engine/backend';
import { memberProbabilities } from './ensemble-predict';
import { sampleProbabilities } from './sampling';
import { expectedNoise, isRandom, splitStochastic, withNoise } from './stochastic';

/** T for VNN and MC-dropout models unless asked otherwise (the seed's 1000). */
export const DEFAULT_SAMPLES = 1000;

export interface RunSampler {
  /** T: 1 for a deterministic model, the members for an ensemble, else the samples asked for. */
  perImage: number;
  /** N × T × K probabilities of the images of `x`, image-major: image i's sample t, class k at (i·T + t)·K + k. */
  run: (x: tf.Tensor4D, seed: number) => Promise<Float32Array>;
}

/** How `models` (one model, or an ensemble's members) give T probability vectors per image. */
export function runSampler(models: readonly tf.LayersModel[], samples: number = DEFAULT_SAMPLES): RunSampler {
  const [model] = models;
  if (model === undefined) throw new Error('runSampler: no model to sample');
  if (models.length === 1) {
    const split = splitStochastic(model);
    const T = split === null ? 1 : samples;
    return { perImage: T, run: (x, seed) => sampleProbabilities(model, x, { samples: T, split, seed }) };
  }
  return {
    perImage: models.length,
    run: async (x) => {
      const p = memberProbabilities([...models], x);
      try {
        return (await p.data()) as Float32Array;
      } finally {
        p.dispose();
      }
    },
  };
}

/**
 * The noise seed of the chunk of test images starting at `start`, from the run's seed: a job that
 * samples the same run twice draws the same noise (evaluation and MC Grad-CAM alike).
 */
export function chunkSeed(runSeed: number, start: number): number {
  return (runSeed * 7919 + start) >>> 0;
}

/**
 * The models' mean prediction for `x`, N × K: random layers at their mean (ε = 0, every unit
 * kept), an ensemble's members averaged. Deterministic, for checks that must not depend on noise.
 */
export function expectedProbabilities(
  models: readonly tf.LayersModel[],
  x: tf.Tensor4D,
  batchSize = 256,
): Float32Array {
  return tf.tidy(() => {
    const each = models.map((model) =>
      withNoise(model.layers.filter(isRandom), expectedNoise, () => model.predict(x, { batchSize }) as tf.Tensor2D),
    );
    return tf.stack(each).mean(0).dataSync() as Float32Array;
  });
}
