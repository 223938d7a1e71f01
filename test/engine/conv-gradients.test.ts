// The wasm Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput kernels against tfjs's own
// convolution and gradients on the cpu backend.
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { activeWasmTrainingKernels } from '../../src/main/lab/engine/wasm/register';
import { randomValues, wasmVsCpu } from './compare';

// Relative to the largest reference value; measured errors are ~3e-7 (float32 rounding).
const TOLERANCE = 1e-5;

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: 1 | 2;
  pad: 'valid' | 'same';
}

// Channel counts cover the SIMD tiles (multiples of 4 and 8), their remainders (3, 5, 6, 12)
// and the fallback for output channels that are not a multiple of 4 (6).
const cases: Case[] = [];
for (const stride of [1, 2] as const) {
  for (const pad of ['valid', 'same'] as const) {
    cases.push({ x: [2, 7, 7, 3], filter: [3, 3, 3, 8], stride, pad });
    cases.push({ x: [2, 8, 9, 5], filter: [3, 2, 5, 6], stride, pad });
    cases.push({ x: [3, 6, 6, 8], filter: [2, 2, 8, 12], stride, pad });
    cases.push({ x: [1, 10, 10, 4], filter: [5, 5, 4, 4], stride, pad });
    // more images than one chunk of the input gradient's column path
    cases.push({ x: [45, 10, 10, 4], filter: [3, 3, 4, 8], stride, pad });
  }
}

describe('wasm convolution gradients', () => {
  beforeAll(async () => {
    const engine = await initEngine({ prefer: 'wasm' });
    expect(engine.backend).toBe('wasm');
    expect(activeWasmTrainingKernels()).toContain('Conv2DBackpropFilter');
  });

  // the forward tiles take 8 input channels or more: these, and the cases above (stock kernel)
  const forward: Case[] = [...cases];
  for (const stride of [1, 2] as const) {
    for (const pad of ['valid', 'same'] as const) {
      forward.push({ x: [3, 9, 9, 16], filter: [3, 3, 16, 8], stride, pad });
      forward.push({ x: [2, 6, 7, 12], filter: [3, 2, 12, 4], stride, pad }); // 4 output channels
      forward.push({ x: [1, 5, 5, 8], filter: [1, 3, 8, 20], stride, pad }); // 8 + 8 + 4 channels
    }
  }
  forward.push({ x: [7, 16, 16, 32], filter: [3, 3, 32, 64], stride: 1, pad: 'valid' }); // VNN conv_2

  it.each(forward)('forward: x $x, filter $filter, stride $stride, $pad', async ({ x, filter, stride, pad }) => {
    const [y] = await wasmVsCpu([randomValues(x, 5), randomValues(filter, 6)], (p, q) =>
      tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, stride, pad),
    );
    expect(y).toBeLessThan(TOLERANCE);
  });

  it.each(cases)('x $x, filter $filter, stride $stride, $pad', async ({ x, filter, stride, pad }) => {
    const xs = randomValues(x, 1);
    const w = randomValues(filter, 2);
    // a fixed random weighting of the output makes dy non-uniform
    const outShape = tf.tidy(
      () => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(filter) as tf.Tensor4D, stride, pad).shape,
    );
    const r = randomValues(outShape, 3);
    const [dx, dw] = await wasmVsCpu([xs, w, r], (a, b, c) =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, stride, pad), c!)),
      )([a!, b!]),
    );
    expect(dx).toBeLessThan(TOLERANCE);
    expect(dw).toBeLessThan(TOLERANCE);
  });

  it('matches on the seed CNN layer shapes', async () => {
    const xs = randomValues([2, 15, 15, 32], 4);
    const w = randomValues([3, 3, 32, 64], 5);
    const r = randomValues([2, 13, 13, 64], 6);
    const errors = await wasmVsCpu([xs, w, r], (a, b, c) =>
      tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'valid'), c!)),
      )([a!, b!]),
    );
    for (const e of errors) expect(e).toBeLessThan(TOLERANCE);
  });

  it('matches the cpu kernels on explicit and asymmetric paddings', async () => {
    const pads: tf.backend_util.ExplicitPadding[] = [
      [
        [0, 0],
        [0, 2],
        [1, 0],
        [0, 0],
      ],
      [
        [0, 0],
        [3, 3],
        [4, 1],
        [0, 0],
      ], // padding wider than the filter
    ];
    for (const pad of pads) {
      for (const strides of [1, 2]) {
        const xs = randomValues([2, 6, 7, 4], 7);
        const w = randomValues([3, 3, 4, 8], 8);
        const outShape = tf.tidy(
          () =>
            tf.conv2d(tf.zeros([2, 6, 7, 4]) as tf.Tensor4D, tf.zeros([3, 3, 4, 8]) as tf.Tensor4D, strides, pad).shape,
        );
        const dy = randomValues(outShape, 9);
        const attrs = { strides, pad, dataFormat: 'NHWC' };
        const [dwErr, dxErr] = await wasmVsCpu([xs, w, dy], (x, filter, g) => [
          tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: g! }, {
            ...attrs,
            filterShape: [3, 3, 4, 8],
          } as never) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropInput', { dy: g!, filter: filter! }, {
            ...attrs,
            inputShape: [2, 6, 7, 4],
          } as never) as tf.Tensor,
        ]);
        expect(dwErr).toBeLessThan(TOLERANCE);
        expect(dxErr).toBeLessThan(TOLERANCE);
      }
    }
  });

  it('rejects NCHW and dilations, naming the kernel and the attribute', async () => {
    await initEngine({ prefer: 'wasm' });
    tf.tidy(() => {
      const x = tf.zeros([1, 4, 4, 2]);
      const dy = tf.zeros([1, 2, 2, 2]);
      const filter = tf.zeros([3, 3, 2, 2]);
      const base = { strides: 1, pad: 'valid' };
      expect(() =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          ...base,
          dataFormat: 'NCHW',
          filterShape: [3, 3, 2, 2],
        } as never),
      ).toThrow(/Conv2DBackpropFilter.*dataFormat 'NCHW'/);
      expect(() =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
          ...base,
          dataFormat: 'NHWC',
          dilations: 2,
          inputShape: [1, 4, 4, 2],
        } as never),
      ).toThrow(/Conv2DBackpropInput.*dilations/);
      expect(() =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: tf.zeros([1, 3, 3, 2]) }, {
          ...base,
          dataFormat: 'NHWC',
          filterShape: [3, 3, 2, 2],
        } as never),
      ).toThrow(/Conv2DBackpropFilter.*dy has shape/);
    });
  });
});
