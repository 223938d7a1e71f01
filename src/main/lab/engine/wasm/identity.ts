// Identity, and Cast to the same dtype, for the wasm backend: the result shares the input's
// data (reference-counted), as on the cpu backend, instead of copying it. Tensors are
// immutable and no wasm kernel writes into its inputs, so sharing is safe (the backend's
// Reshape already shares the same way). A training step of the seed CNN clones or same-type
// casts ~50 MB of activations this way.
import type { CastAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BaseKernels } from './base-kernels';
import { asWasmBackend, type WasmBackend } from './heap';

function share(backend: WasmBackend, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

export function identityKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, 'Identity');
    const { x } = inputs as { x: TensorInfo };
    return x.dtype === 'string' ? base.identity(backend, inputs, attrs ?? {}) : share(backend, x);
  };
}

export function castKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, 'Cast');
    const { x } = inputs as { x: TensorInfo };
    const { dtype } = attrs as unknown as CastAttrs;
    return dtype === x.dtype && dtype !== 'string' ? share(backend, x) : base.cast(backend, inputs, attrs ?? {});
  };
}

export function identityConfig(base: BaseKernels): KernelConfig {
  return { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityKernel(base) };
}

export function castConfig(base: BaseKernels): KernelConfig {
  return { kernelName: 'Cast', backendName: 'wasm', kernelFunc: castKernel(base) };
}
