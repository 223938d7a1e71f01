// The wasm MaxPoolGrad, BatchMatMul, Sum, Slice and ReLU-gradient kernels against the cpu backend.
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { randomValues, runOn, wasmVsCpu, type Values } from './compare';

const TOLERANCE = 1e-5;

beforeAll(async () => {
  expect((await initEngine({ prefer: 'wasm' })).backend).toBe('wasm');
});

/** Values drawn from a few levels only, so that pooling windows hold ties. */
function tiedValues(shape: number[], seed: number): Values {
  const v = randomValues(shape, seed);
  return { shape, values: v.values.map((x) => Math.round(x * 2) / 2) };
}

describe('wasm MaxPoolGrad', () => {
  const cases = [
    { x: [2, 6, 6, 4], size: 2, stride: 2, pad: 'valid' },
    { x: [2, 7, 7, 8], size: 2, stride: 2, pad: 'valid' }, // odd size: last row/column unused
    { x: [2, 6, 7, 8], size: 2, stride: 2, pad: 'valid' }, // odd width only
    { x: [3, 8, 8, 32], size: 2, stride: 2, pad: 'valid' }, // several channel groups
    { x: [2, 7, 6, 8], size: 3, stride: 2, pad: 'same' }, // overlapping windows, padding
    { x: [1, 5, 5, 12], size: 3, stride: 1, pad: 'same' },
    { x: [2, 6, 6, 3], size: 2, stride: 2, pad: 'valid' }, // channels not a multiple of 4
    { x: [1, 5, 7, 5], size: 3, stride: 2, pad: 'same' },
  ] as const;

  it.each(cases)('x $x, pool $size, stride $stride, $pad', async ({ x, size, stride, pad }) => {
    for (const input of [randomValues([...x], 11), tiedValues([...x], 12)]) {
      const outShape = tf.tidy(() => tf.maxPool(tf.zeros([...x]) as tf.Tensor4D, size, stride, pad).shape);
      const r = randomValues(outShape, 13);
      const [dx] = await wasmVsCpu([input, r], (a, c) =>
        tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(p as tf.Tensor4D, size, stride, pad), c!)))(a!),
      );
      expect(dx).toBeLessThan(TOLERANCE);
    }
  });

  it('sends a window of equal values its gradient once, to the first position (as the cpu backend)', async () => {
    const x: Values = { shape: [1, 2, 2, 4], values: new Float32Array(16).fill(0.5) };
    const [dx] = await runOn('wasm', [x], (a) =>
      tf.grad((p: tf.Tensor) => tf.sum(tf.maxPool(p as tf.Tensor4D, 2, 2, 'valid')))(a!),
    );
    expect(Array.from(dx!.values)).toEqual([1, 1, 1, 1, ...new Array<number>(12).fill(0)]);
  });
});

describe('wasm BatchMatMul', () => {
  const shapes = [
    { a: [5, 7], b: [7, 3] },
    { a: [2, 4, 6], b: [2, 6, 5] },
    { a: [3, 9, 2], b: [1, 2, 4] }, // broadcast batch
    { a: [33, 70], b: [70, 17] },
    // big enough for the SIMD outer products: rows not a multiple of 4, a last block of 4 columns
    { a: [37, 301], b: [301, 36] },
    { a: [1, 50, 64], b: [1, 64, 32] }, // one matrix as rank 3, as a dense layer's fused product
    { a: [50, 3136], b: [3136, 64] }, // the VNN's first dense layer
  ];
  it.each(shapes)('a $a, b $b, every transpose', async ({ a, b }) => {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const sa = transposeA ? [...a.slice(0, -2), a[a.length - 1]!, a[a.length - 2]!] : a;
        const sb = transposeB ? [...b.slice(0, -2), b[b.length - 1]!, b[b.length - 2]!] : b;
        const [product] = await wasmVsCpu([randomValues(sa, 21), randomValues(sb, 22)], (x, y) =>
          tf.matMul(x!, y!, transposeA, transposeB),
        );
        expect(product).toBeLessThan(TOLERANCE);
      }
    }
  });

  it('gives the gradients of a dense layer', async () => {
    const [dx, dw] = await wasmVsCpu(
      [randomValues([16, 40], 23), randomValues([40, 12], 24), randomValues([16, 12], 25)],
      (x, w, r) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.matMul(p, q)), r!)))([x!, w!]),
    );
    expect(dx).toBeLessThan(TOLERANCE);
    expect(dw).toBeLessThan(TOLERANCE);
  });
});

describe('wasm Sum', () => {
  const cases: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
    { shape: [4, 5, 6, 8], axis: [0, 1, 2], keepDims: false }, // a bias gradient
    { shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: true }, // width not a multiple of 4
    { shape: [300, 3], axis: 0, keepDims: false },
    { shape: [3, 4, 5], axis: [1, 0], keepDims: false },
    { shape: [3, 4, 5], axis: -1, keepDims: false }, // not leading: the stock kernel
    { shape: [3, 4, 5], axis: [0, 2], keepDims: true },
    { shape: [3, 4, 5], axis: [0, 1, 2], keepDims: false },
  ];
  it.each(cases)('shape $shape, axis $axis, keepDims $keepDims', async ({ shape, axis, keepDims }) => {
    const [sum] = await wasmVsCpu([randomValues(shape, 31)], (x) => tf.sum(x!, axis, keepDims));
    expect(sum).toBeLessThan(1e-6);
    const [ours] = await runOn('wasm', [randomValues(shape, 31)], (x) => tf.sum(x!, axis, keepDims));
    const [reference] = await runOn('cpu', [randomValues(shape, 31)], (x) => tf.sum(x!, axis, keepDims));
    expect(ours!.shape).toEqual(reference!.shape);
  });

  it('leaves int32 sums to the stock kernel', async () => {
    const x: Values = { shape: [3, 4], values: Int32Array.from({ length: 12 }, (_, i) => i) };
    const [sum] = await runOn('wasm', [x], (a) => tf.sum(a!, 0));
    expect(Array.from(sum!.values)).toEqual([12, 15, 18, 21]);
  });
});

describe('wasm Slice', () => {
  const slices: { shape: number[]; begin: number[]; size: number[] }[] = [
    { shape: [30, 4, 4, 3], begin: [10, 0, 0, 0], size: [10, 4, 4, 3] }, // a run of images: copied directly
    { shape: [30, 4, 4, 3], begin: [29, 0, 0, 0], size: [-1, -1, -1, -1] }, // the last one, sizes to the end
    { shape: [7, 5], begin: [3, 0], size: [4, 5] },
    { shape: [7, 5], begin: [2, 3], size: [1, 2] }, // inside one row: consecutive too
    { shape: [6, 4, 4, 3], begin: [1, 1, 0, 0], size: [3, 2, 4, 3] }, // not consecutive: the stock kernel
    { shape: [12], begin: [5], size: [0] }, // empty
  ];
  it.each(slices)('$shape from $begin, size $size', async ({ shape, begin, size }) => {
    const [difference] = await wasmVsCpu([randomValues(shape, 31)], (x) => tf.slice(x!, begin, size));
    expect(difference).toBe(0);
  });

  it('slices int32 tensors by their own element size', async () => {
    const values: Values = { shape: [6, 3], values: Int32Array.from({ length: 18 }, (_, i) => i * 1000 + 7) };
    const [out] = await runOn('wasm', [values], (x) => tf.slice(x!, [2, 0], [3, 3]));
    expect(Array.from(out!.values)).toEqual(Array.from({ length: 9 }, (_, i) => (i + 6) * 1000 + 7));
  });
});

describe('wasm ReLU gradient', () => {
  /** x and dy from random values with zeros, signed zeros, tiny, infinite and NaN ones mixed in. */
  function withSpecials(shape: number[], seed: number, every: number): Values {
    const v = randomValues(shape, seed);
    const specials = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40, -1e-40];
    const values = v.values.map((x, i) => (i % every === 0 ? specials[(i / every) % specials.length]! : x));
    return { shape, values };
  }
  const reluGrad = (x: tf.Tensor, dy: tf.Tensor) => tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.relu(p), dy)))(x);

  const shapes = [{ shape: [2, 3] }, { shape: [4, 6, 6, 8] }, { shape: [1, 7] }, { shape: [3, 5, 5, 3] }];
  it.each(shapes)('gives the same numbers as tfjs on $shape', async ({ shape }) => {
    // specials every 2nd x and every 3rd dy: each meets the other's specials and plain values
    const inputs = [withSpecials(shape, 41, 2), withSpecials(shape, 42, 3)];
    const [reference] = await runOn('cpu', inputs, (x, dy) => reluGrad(x!, dy!));
    const [ours] = await runOn('wasm', inputs, (x, dy) => reluGrad(x!, dy!));
    // bit for bit: NaN where tfjs has NaN, -0 where it has -0
    expect(Array.from(ours!.values).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(
      Array.from(reference!.values).map((v) => (Object.is(v, -0) ? '-0' : v)),
    );
  });

  it('runs as one kernel on wasm, and has a gradient itself', async () => {
    await initEngine({ prefer: 'wasm' });
    const x = tf.tensor([-1, 2, 0, 3, -4], [5]);
    const dy = tf.tensor([1, 2, 3, 4, 5], [5]);
    const info = await tf.profile(() => reluGrad(x, dy));
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain('CasebookReluGrad');
    expect(names).not.toContain('Step');
    // d/d(dy) of Σ c·relu'(x)·dy is c·step(x), through the kernel's own gradient
    const c = tf.tensor([1, 1, 1, 1, 2], [5]);
    const second = tf.grad((q: tf.Tensor) => tf.sum(tf.mul(reluGrad(x, q), c)))(dy);
    expect(Array.from(second.dataSync())).toEqual([0, 1, 0, 1, 0]);
    tf.dispose([x, dy, c, second]);
  });
});
