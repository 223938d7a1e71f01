// `CasebookReluGrad`: ReLU's gradient as one kernel on the wasm backend. tfjs computes it as
// dy · cast(step(x)): a Step and a Multiply, two more passes over the activation (the VNN's first
// layer: 6.5 MB per 50 images, read and written again), which two training threads fight over
// in the shared cache. One SIMD pass (./simd `reluGrad`) gives the same numbers, NaN and ∞
// included. The gradient of `Relu` is registered here for every backend: on one without this
// kernel (tfjs-node, cpu) it is tfjs's own formula.
import {
  cast,
  engine,
  getBackend,
  getKernel,
  mul,
  registerGradient,
  step,
  zerosLike,
  type GradConfig,
  type KernelConfig,
  type KernelFunc,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { asWasmBackend, disposeAll, f32, offsetOf, requireFloat32 } from './heap';
import { simdKernels } from './simd';

export const RELU_GRAD_KERNEL = 'CasebookReluGrad';

export const reluGradKernel: KernelFunc = ({ inputs, backend: anyBackend }) => {
  const backend = asWasmBackend(anyBackend, RELU_GRAD_KERNEL);
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  requireFloat32(RELU_GRAD_KERNEL, 'dy', dy);
  requireFloat32(RELU_GRAD_KERNEL, 'x', x);
  if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`${RELU_GRAD_KERNEL}: dy [${dy.shape}] and x [${x.shape}] differ in shape`);
  }
  const simd = simdKernels(backend);
  if (simd === undefined) throw new Error(`${RELU_GRAD_KERNEL}: needs WebAssembly SIMD`);
  const dx = backend.makeOutput(x.shape, 'float32');
  try {
    const size = x.shape.reduce((a, b) => a * b, 1);
    const wide = size - (size % 4);
    simd.reluGrad(offsetOf(backend, dy), offsetOf(backend, x), offsetOf(backend, dx), wide * 4);
    if (wide < size) {
      const [DY, X, DX] = [dy, x, dx].map((t) => f32(backend, t)) as [Float32Array, Float32Array, Float32Array];
      for (let i = wide; i < size; i++) {
        const xi = X[i] ?? 0;
        DX[i] = Math.fround((DY[i] ?? 0) * (Number.isNaN(xi) ? Number.NaN : xi > 0 ? 1 : 0));
      }
    }
  } catch (error) {
    disposeAll(backend, [dx]);
    throw error;
  }
  return dx;
};

export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: reluGradKernel,
};

/** dy · step(x): one kernel where the backend has ours, tfjs's own ops elsewhere. */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  if (getKernel(RELU_GRAD_KERNEL, getBackend()) !== undefined && dy.dtype === 'float32' && x.dtype === 'float32') {
    return engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as Tensor;
  }
  return mul(dy, cast(step(x), 'float32'));
}

const reluGradient: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [Tensor];
    return { x: () => reluBackward(dy as Tensor, x) };
  },
};

/** Linear in dy (the same mask again); constant in x almost everywhere. */
const reluGradGradient: GradConfig = {
  kernelName: RELU_GRAD_KERNEL,
  inputsToSave: ['x'],
  gradFunc: (ddx, saved) => {
    const [x] = saved as [Tensor];
    return { dy: () => reluBackward(ddx as Tensor, x), x: () => zerosLike(x) };
  },
};

let registered = false;

/** Puts ReLU's gradient (and this kernel's own) in tfjs's registry; idempotent. */
export function registerReluGradient(): void {
  if (registered) return;
  registerGradient(reluGradient);
  registerGradient(reluGradGradient);
  registered = true;
}
