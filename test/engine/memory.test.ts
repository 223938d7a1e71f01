// The training kernels free what they allocate: neither tfjs's tensor count nor the wasm
// backend's own data count grows across kernels and across training steps.
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { activeWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../src/main/lab/engine/wasm/register';
import { buildCnn } from '../../src/main/lab/models/cnn';

function counts(): { tensors: number; data: number } {
  return { tensors: tf.memory().numTensors, data: tf.engine().backend.numDataIds() };
}

describe('wasm training kernels and memory', () => {
  beforeAll(async () => {
    expect((await initEngine({ prefer: 'wasm' })).backend).toBe('wasm');
    expect(activeWasmTrainingKernels()).toEqual([...WASM_TRAINING_KERNELS]);
  });

  it('keep the tensor and data counts through each kernel', () => {
    const x = tf.randomUniform([2, 9, 9, 5]);
    const w = tf.randomUniform([3, 3, 5, 6]);
    const before = counts();
    tf.tidy(() => {
      for (const stride of [1, 2]) {
        for (const pad of ['valid', 'same'] as const) {
          tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.maxPool(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), 2, 2, 'same')),
          )([x, w]);
        }
      }
      tf.matMul(tf.ones([3, 4]), tf.ones([5, 4]), false, true);
      tf.sum(tf.ones([4, 3, 8]), [0, 1]);
      tf.clone(x);
      tf.cast(x, 'float32');
      tf.slice(x, [1, 0, 0, 0], [1, 9, 9, 5]);
      tf.slice(x, [0, 2, 0, 1], [2, 3, 9, 2]);
    });
    expect(counts()).toEqual(before);
    tf.dispose([x, w]);
  });

  it('keep the counts constant across training steps of the seed CNN', async () => {
    const model = buildCnn({ seed: 1 });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([8, 32, 32, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3).toFloat();
    await model.trainOnBatch(x, y); // creates the optimizer's slots
    const before = counts();
    for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
    expect(counts()).toEqual(before);
    model.dispose();
    tf.dispose([x, y]);
  });

  it('share data for Identity and same-type Cast instead of copying it', () => {
    const x = tf.tensor([1, 2, 3]);
    const before = tf.engine().backend.numDataIds();
    const y = tf.clone(x);
    const z = tf.cast(x, 'float32');
    expect(tf.engine().backend.numDataIds()).toBe(before);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual([1, 2, 3]);
    z.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(before - 1);
  });
});
