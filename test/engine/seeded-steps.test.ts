// No change in results from the speed work: a seeded model's first training steps (compiled as a
// run compiles it) give the same losses and weights on the wasm backend, with Casebook's kernels,
// as on tfjs's reference cpu backend — for each seed model family.
import { describe, expect, it } from 'vitest';
import { defaultRunConfig, type RunConfig } from '../../src/shared/contract';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { readWeights } from '../../src/main/lab/engine/gradients';
import { McDropout } from '../../src/main/lab/models/mcdropout';
import { samplingLayer } from '../../src/main/lab/models/vnn';
import { buildModel } from '../../src/main/lab/training/models';
import { TRAINING_LOSS } from '../../src/main/lab/training/parallel';
import { randomValues } from './compare';

const STEPS = 3;
const BATCH = 4;
/** Small images keep the cpu backend quick; every family's layers still fit (24 → … → 1 for MC dropout). */
const SHAPE: [number, number, number] = [24, 24, 3];

interface Trace {
  losses: number[];
  weights: Float32Array;
}

async function train(backend: 'cpu' | 'wasm', model: RunConfig['model']): Promise<Trace> {
  await initEngine({ prefer: backend });
  expect(tf.getBackend()).toBe(backend);
  // seeded initialisers; the CNN without dropout (tfjs's Dropout layer draws unseeded masks)
  const config: RunConfig = { ...defaultRunConfig(model), seed: 7, ...(model === 'cnn' ? { dropout: 0 } : {}) };
  const net = buildModel(config, { inputShape: SHAPE, classes: 3, trainingSize: 100 });
  // the same noise on both backends: ε and the keep masks from one seeded sequence in JS
  let draws = 0;
  if (model === 'vnn')
    samplingLayer(net).epsilon = (shape) => tf.tensor2d(randomValues(shape, 500 + draws++).values, shape);
  for (const layer of net.layers) {
    if (layer instanceof McDropout) {
      layer.keepMask = (shape) => {
        const { values } = randomValues(shape, 900 + draws++);
        return tf.tensor(
          values.map((v) => (v > 0 ? 1 : 0)),
          shape,
        );
      };
    }
  }
  // Adam's ε as in the parallel tests (test/training/parallel.test.ts): at 1e-7 a weight whose
  // gradient is float32 rounding noise moves by up to the learning rate depending on that noise
  net.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-4), loss: TRAINING_LOSS, metrics: ['accuracy'] });
  const losses: number[] = [];
  try {
    for (let step = 0; step < STEPS; step++) {
      const x = tf.tensor4d(randomValues([BATCH, ...SHAPE], 100 + step).values, [BATCH, ...SHAPE]);
      const y = tf.oneHot(
        tf.tensor1d(
          Array.from({ length: BATCH }, (_, i) => (i * 7 + step) % 3),
          'int32',
        ),
        3,
      );
      const [loss] = (await net.trainOnBatch(x, y.toFloat())) as number[];
      tf.dispose([x, y]);
      losses.push(loss ?? Number.NaN);
    }
    return { losses, weights: readWeights(net).slice() };
  } finally {
    net.optimizer.dispose();
    net.dispose();
  }
}

describe('seeded training steps, wasm kernels against the cpu backend', () => {
  it.each(['cnn', 'vnn', 'mcdropout'] as const)(
    '%s: the same losses and weights after three Adam steps',
    async (model) => {
      const reference = await train('cpu', model);
      const ours = await train('wasm', model);
      expect(reference.losses.every(Number.isFinite)).toBe(true);
      for (let i = 0; i < STEPS; i++) {
        expect(Math.abs(ours.losses[i]! - reference.losses[i]!)).toBeLessThan(1e-5 * Math.max(1, reference.losses[i]!));
      }
      // the steps moved the weights, and both backends moved them alike
      let moved = 0;
      let apart = 0;
      for (let i = 0; i < ours.weights.length; i++)
        apart = Math.max(apart, Math.abs(ours.weights[i]! - reference.weights[i]!));
      const first = await initialWeights(model);
      for (let i = 0; i < first.length; i++) moved = Math.max(moved, Math.abs(first[i]! - reference.weights[i]!));
      expect(moved).toBeGreaterThan(1e-4);
      expect(apart).toBeLessThan(1e-4 * moved);
    },
    60_000,
  );
});

async function initialWeights(model: RunConfig['model']): Promise<Float32Array> {
  await initEngine({ prefer: 'wasm' });
  const config: RunConfig = { ...defaultRunConfig(model), seed: 7, ...(model === 'cnn' ? { dropout: 0 } : {}) };
  const net = buildModel(config, { inputShape: SHAPE, classes: 3, trainingSize: 100 });
  try {
    return readWeights(net).slice();
  } finally {
    net.dispose();
  }
}
