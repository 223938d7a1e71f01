// `CasebookAdam`: one kernel for a whole Adam update of one weight tensor on the wasm backend,
// where tfjs's AdamOptimizer runs about a dozen elementwise kernels per weight (≈ 200 calls a VNN
// step, 3 ms on the main thread while the training thread waits). Same float32 operations in the
// same order (./simd `adam`), so the same numbers; the few weights past a multiple of 4 are done
// here in JavaScript, rounding to float32 after every operation as float32 arithmetic does.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, disposeAll, f32, offsetOf, requireFloat32 } from './heap';
import { simdKernels } from './simd';

export const ADAM_KERNEL = 'CasebookAdam';

/** The update's constants, as float32 values of tfjs's own scalars. */
export interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 − β1ᵗ and 1 − β2ᵗ, as tfjs computes them from its float32 accumulators. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

const f = Math.fround;

export const adamKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWasmBackend(anyBackend, ADAM_KERNEL);
  const { w, m, v, g } = inputs as { w: TensorInfo; m: TensorInfo; v: TensorInfo; g: TensorInfo };
  for (const [name, info] of Object.entries({ w, m, v, g })) requireFloat32(ADAM_KERNEL, name, info);
  const size = w.shape.reduce((a, b) => a * b, 1);
  for (const info of [m, v, g]) {
    if (info.shape.reduce((a, b) => a * b, 1) !== size) {
      throw new Error(`${ADAM_KERNEL}: shapes differ: [${w.shape}] and [${info.shape}]`);
    }
  }
  const a = attrs as unknown as AdamAttrs;
  const simd = simdKernels(backend);
  if (simd === undefined) throw new Error(`${ADAM_KERNEL}: needs WebAssembly SIMD`);
  const k = [
    f(a.beta1),
    f(1 - a.beta1),
    f(a.beta2),
    f(1 - a.beta2),
    f(a.oneMinusAccBeta1),
    f(a.oneMinusAccBeta2),
    f(a.epsilon),
    f(-a.learningRate),
  ] as const;
  const constants = backend.makeOutput([8], 'float32');
  const w2 = backend.makeOutput(w.shape, 'float32');
  const m2 = backend.makeOutput(m.shape, 'float32');
  const v2 = backend.makeOutput(v.shape, 'float32');
  try {
    f32(backend, constants).set(k);
    const wide = size - (size % 4);
    simd.adam(
      offsetOf(backend, w),
      offsetOf(backend, m),
      offsetOf(backend, v),
      offsetOf(backend, g),
      offsetOf(backend, w2),
      offsetOf(backend, m2),
      offsetOf(backend, v2),
      offsetOf(backend, constants),
      wide * 4,
    );
    if (wide < size) {
      const [b1, c1, b2, c2, a1, a2, eps, lr] = k;
      const [W, M, V, G, W2, M2, V2] = [w, m, v, g, w2, m2, v2].map((t) => f32(backend, t)) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      for (let i = wide; i < size; i++) {
        const gi = G[i] ?? 0;
        const mi = f(f((M[i] ?? 0) * b1) + f(gi * c1));
        const vi = f(f((V[i] ?? 0) * b2) + f(f(gi * gi) * c2));
        M2[i] = mi;
        V2[i] = vi;
        W2[i] = f(f(f(f(mi / a1) / f(f(Math.sqrt(f(vi / a2))) + eps)) * lr) + (W[i] ?? 0));
      }
    }
  } catch (error) {
    disposeAll(backend, [w2, m2, v2]);
    throw error;
  } finally {
    disposeAll(backend, [constants]);
  }
  return [w2, m2, v2];
};

export const adamConfig: KernelConfig = { kernelName: ADAM_KERNEL, backendName: 'wasm', kernelFunc: adamKernel };
