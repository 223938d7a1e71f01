// The wasm backend's own kernels that the training kernels here are built from, captured once
// so that a kernel of ours may replace a stock one and still call it.
import { getKernel, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import type { WasmBackend } from './heap';

export type RunKernel = (backend: WasmBackend, inputs: NamedTensorInfoMap, attrs: NamedAttrMap) => TensorInfo;

export interface BaseKernels {
  conv2d: RunKernel;
  batchMatMul: RunKernel;
  sum: RunKernel;
  transpose: RunKernel;
  maxPoolGrad: RunKernel;
  identity: RunKernel;
  cast: RunKernel;
  slice: RunKernel;
}

function capture(name: string): RunKernel {
  const config = getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`the wasm backend has no '${name}' kernel to build on`);
  const kernelFunc = config.kernelFunc;
  return (backend, inputs, attrs) => {
    const out = kernelFunc({ inputs, backend, attrs });
    if (Array.isArray(out)) throw new Error(`wasm '${name}' kernel returned several tensors, expected one`);
    return out;
  };
}

/** Captures the stock kernels; call before replacing any of them. */
export function captureBaseKernels(): BaseKernels {
  return {
    conv2d: capture('Conv2D'),
    batchMatMul: capture('BatchMatMul'),
    sum: capture('Sum'),
    transpose: capture('Transpose'),
    maxPoolGrad: capture('MaxPoolGrad'),
    identity: capture('Identity'),
    cast: capture('Cast'),
    slice: capture('Slice'),
  };
}
