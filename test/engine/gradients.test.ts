// lossAndGradients + applyGradients take the same step as fit / trainOnBatch, and the average
// of two half-batch gradients is the full batch's (what data-parallel training relies on).
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import {
  applyGradients,
  lossAndGradients,
  readWeights,
  trainableSize,
  writeWeights,
} from '../../src/main/lab/engine/gradients';
import { buildCnn } from '../../src/main/lab/models/cnn';
import { buildMcDropout } from '../../src/main/lab/models/mcdropout';

beforeAll(async () => {
  await initEngine({ prefer: 'wasm' });
});

function data(n: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomUniform([n, 32, 32, 3], 0, 1, 'float32', 7),
    y: tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: n }, (_, i) => i % 3),
          'int32',
        ),
        3,
      )
      .toFloat(),
  }));
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return d;
}

describe('gradient steps', () => {
  it('take the same step as trainOnBatch', async () => {
    // no dropout, and L2 terms, so that the step is deterministic and uses the layer losses
    const fitted = buildMcDropout({ trainingSize: 50, keepProb: 1, seed: 1 });
    const manual = buildMcDropout({ trainingSize: 50, keepProb: 1, seed: 1 });
    for (const m of [fitted, manual]) m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    writeWeights(manual, readWeights(fitted));
    const { x, y } = data(6);
    const fitLoss = (await fitted.trainOnBatch(x, y)) as number;
    const { loss, gradients } = lossAndGradients(manual, x, y);
    applyGradients(manual, gradients);
    expect(loss).toBeCloseTo(fitLoss, 5);
    expect(maxDifference(readWeights(manual), readWeights(fitted))).toBeLessThan(1e-6);
    tf.dispose([x, y]);
    fitted.dispose();
    manual.dispose();
  });

  it('average over equal shards to the full batch', () => {
    const model = buildCnn({ dropout: 0, seed: 2 });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const { x, y } = data(8);
    const full = lossAndGradients(model, x, y).gradients;
    const halves = [0, 4].map((start) =>
      tf.tidy(() => lossAndGradients(model, x.slice(start, 4), y.slice(start, 4)).gradients),
    );
    const mean = full.map((_, i) => 0.5 * ((halves[0]?.[i] ?? 0) + (halves[1]?.[i] ?? 0)));
    const scale = full.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(full).toHaveLength(trainableSize(model));
    expect(maxDifference(mean, full) / scale).toBeLessThan(1e-5);
    const before = tf.memory().numTensors;
    lossAndGradients(model, x, y, full);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });
});
