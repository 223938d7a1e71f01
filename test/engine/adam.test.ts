// FusedAdam (one CasebookAdam kernel per weight on wasm) against tfjs's own Adam: the same
// numbers, step after step, and the same optimizer weights for checkpoints.
import { describe, expect, it } from 'vitest';
import { adamOptimizer } from '../../src/main/lab/engine/adam';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { randomValues } from './compare';

/** Sizes that are and are not multiples of 4 (the kernel's last few weights go another way). */
const SHAPES = [[3, 3, 3, 5], [7], [64, 3], [1]];

async function trace(
  backend: 'cpu' | 'wasm',
  make: () => tf.Optimizer,
): Promise<{ weights: number[][]; slots: string[]; calls: number }> {
  await initEngine({ prefer: backend });
  expect(tf.getBackend()).toBe(backend);
  const variables = SHAPES.map((shape, i) =>
    tf.variable(tf.tensor(randomValues(shape, i + 1).values, shape), true, `adam_test_${backend}_${i}`),
  );
  const optimizer = make();
  let calls = 0;
  try {
    for (let step = 0; step < 6; step++) {
      const gradients: tf.NamedTensorMap = {};
      variables.forEach((v, i) => {
        // one step with a zero gradient, and values of many sizes
        const scale = step === 2 ? 0 : 10 ** (i - 2);
        gradients[v.name] = tf.mul(tf.tensor(randomValues(v.shape, 100 * step + i).values, v.shape), scale);
      });
      const info = await tf.profile(() => optimizer.applyGradients(gradients));
      calls = info.kernels.length;
      tf.dispose(Object.values(gradients));
    }
    const slots = (await optimizer.getWeights()).map((w) => w.name);
    const weights = [
      ...variables.map((v) => Array.from(v.dataSync())),
      ...(await optimizer.getWeights()).map((w) => Array.from(w.tensor.dataSync())),
    ];
    return { weights, slots: slots.map((name) => name.replace(`_${backend}_`, '_')), calls };
  } finally {
    optimizer.dispose();
    tf.dispose(variables);
  }
}

describe('FusedAdam', () => {
  it("gives exactly tfjs Adam's weights and moments on wasm, in a few kernels", async () => {
    const reference = await trace('wasm', () => tf.train.adam(0.01));
    const fused = await trace('wasm', () => adamOptimizer(0.01));
    expect(fused.slots).toEqual(reference.slots);
    expect(fused.weights).toEqual(reference.weights);
    // one kernel per weight and two for the β powers, against about a dozen per weight
    expect(fused.calls).toBeLessThanOrEqual(SHAPES.length + 4);
    expect(reference.calls).toBeGreaterThan(8 * SHAPES.length);
  });

  it("is tfjs's Adam on other backends", async () => {
    const reference = await trace('cpu', () => tf.train.adam(0.01));
    const fused = await trace('cpu', () => adamOptimizer(0.01));
    expect(fused.weights).toEqual(reference.weights);
  });

  it('restores from the optimizer weights a checkpoint keeps, and goes on as tfjs Adam would', async () => {
    await initEngine({ prefer: 'wasm' });
    const start = tf.variable(tf.tensor(randomValues([10], 5).values), true, 'adam_restore');
    const grad = (k: number, name = 'adam_restore'): { name: string; tensor: tf.Tensor }[] => [
      { name, tensor: tf.tensor(randomValues([10], 50 + k).values) },
    ];
    const first = adamOptimizer(0.05);
    for (let k = 0; k < 3; k++) first.applyGradients(grad(k));
    const saved = (await first.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    const copy = tf.variable(start.clone(), true, 'adam_restore_copy');
    const reference = tf.train.adam(0.05);
    await reference.setWeights(
      saved.map((w) => ({ name: w.name.replace('adam_restore', 'adam_restore_copy'), tensor: w.tensor.clone() })),
    );
    const restored = adamOptimizer(0.05);
    await restored.setWeights(saved);
    expect(restored.iterations).toBe(3);
    for (let k = 3; k < 5; k++) {
      restored.applyGradients(grad(k));
      reference.applyGradients(grad(k, 'adam_restore_copy'));
    }
    expect(Array.from(start.dataSync())).toEqual(Array.from(copy.dataSync()));
    tf.dispose([start, copy, ...saved.map((w) => w.tensor)]);
    [first, reference, restored].forEach((o) => o.dispose());
  });
});
