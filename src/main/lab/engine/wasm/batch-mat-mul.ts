// BatchMatMul for the wasm backend. The stock kernel uses XNNPACK only for a plain product and
// falls back to a naive loop whenever an operand is transposed, which is what a dense layer's
// backward pass asks for (x^T · dy and dy · W^T): about 25× slower than the plain product of the
// same size. Here the transposed operand is materialised first and the plain product is used.
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BaseKernels } from './base-kernels';
import { asWasmBackend, disposeAll, f32, type WasmBackend } from './heap';
import { transposeLastTwo } from './layout';

const KERNEL = 'BatchMatMul';

function transposed(backend: WasmBackend, info: TensorInfo): TensorInfo {
  const shape = info.shape.slice();
  const [rows, cols] = shape.splice(-2, 2) as [number, number];
  shape.push(cols, rows);
  const out = backend.makeOutput(shape, 'float32');
  transposeLastTwo(f32(backend, info), f32(backend, out), rows, cols);
  return out;
}

export function batchMatMulKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, KERNEL);
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const plain = { transposeA: false, transposeB: false } as unknown as NamedAttrMap;
    if (
      (!transposeA && !transposeB) ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      a.shape.length < 2 ||
      b.shape.length < 2
    ) {
      return base.batchMatMul(backend, inputs, attrs ?? plain);
    }
    const aT = transposeA ? transposed(backend, a) : undefined;
    const bT = transposeB ? transposed(backend, b) : undefined;
    try {
      return base.batchMatMul(backend, { a: aT ?? a, b: bT ?? b }, plain);
    } finally {
      disposeAll(backend, [aT, bT]);
    }
  };
}

export function batchMatMulConfig(base: BaseKernels): KernelConfig {
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc: batchMatMulKernel(base) };
}
