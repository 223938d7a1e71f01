// Runs the same computation on the cpu backend (the reference) and on the wasm backend (with
// the training kernels) from the same input values, and measures how far apart they are.
import { initEngine, tf } from '../../src/main/lab/engine/backend';

export type Values = { shape: number[]; values: Float32Array | Int32Array };

/** Deterministic pseudo-random values in [-1, 1) (a small LCG, so tests need no seeds from tfjs). */
export function randomValues(shape: number[], seed: number): Values {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return { shape, values };
}

function toTensor(v: Values): tf.Tensor {
  return tf.tensor(v.values, v.shape, v.values instanceof Int32Array ? 'int32' : 'float32');
}

/** Runs `fn` on `backend` with tensors made from `inputs`; returns its outputs' values. */
export async function runOn(
  backend: 'cpu' | 'wasm',
  inputs: Values[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Values[]> {
  await initEngine({ prefer: backend });
  if (tf.getBackend() !== backend) throw new Error(`backend ${backend} is not available`);
  return tf.tidy(() => {
    const out = fn(...inputs.map(toTensor));
    return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
  });
}

/** Largest |a − b| over the largest |b| (or 1 when b is all small): a relative error. */
export function relativeError(a: Values, b: Values): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shapes differ: [${a.shape}] vs [${b.shape}]`);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < b.values.length; i++) {
    diff = Math.max(diff, Math.abs(a.values[i]! - b.values[i]!));
    scale = Math.max(scale, Math.abs(b.values[i]!));
  }
  return diff / Math.max(scale, 1);
}

/** The outputs of `fn` on wasm and on cpu, pairwise relative errors. */
export async function wasmVsCpu(
  inputs: Values[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<number[]> {
  const reference = await runOn('cpu', inputs, fn);
  const ours = await runOn('wasm', inputs, fn);
  return ours.map((o, i) => relativeError(o, reference[i]!));
}
