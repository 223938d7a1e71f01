// Sum for the wasm backend, for the reduction a training step does most: over the leading axes
// (a bias gradient sums a [N, H, W, C] gradient over N, H and W). The stock kernel first
// transposes the reduced axes to the end, which costs more than the sum; here a SIMD loop walks
// the rows once, each output accumulating in order in double precision (as the cpu backend
// does). Other reductions go to the stock kernel.
import { util, type KernelConfig, type KernelFunc, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs';
import type { BaseKernels } from './base-kernels';
import { asWasmBackend, disposeAll, offsetOf } from './heap';
import { simdKernels } from './simd';

const KERNEL = 'Sum';

/** How many leading axes `axis` names, or -1 when it names anything else. */
export function leadingAxes(axis: number | number[], rank: number): number {
  const shape = new Array<number>(rank).fill(1);
  const axes = [...new Set(util.parseAxisParam(axis, shape))].sort((p, q) => p - q);
  return axes.every((a, i) => a === i) ? axes.length : -1;
}

export function sumKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, KERNEL);
    const { x } = inputs as { x: TensorInfo };
    const a = attrs as unknown as SumAttrs;
    const rank = x.shape.length;
    const lead = leadingAxes(a.axis, rank);
    const simd = simdKernels(backend);
    if (simd === undefined || x.dtype !== 'float32' || lead <= 0 || lead >= rank) {
      return base.sum(backend, inputs, attrs ?? {});
    }

    const kept = x.shape.slice(lead);
    const rows = util.sizeFromShape(x.shape.slice(0, lead));
    const width = util.sizeFromShape(kept);
    const shape = a.keepDims ? [...x.shape.slice(0, lead).map(() => 1), ...kept] : kept;
    const out = backend.makeOutput(shape, 'float32');
    const scratch = backend.makeOutput([2 * width], 'float32'); // width float64 accumulators
    try {
      const at = offsetOf(backend, scratch);
      new Float64Array(backend.wasm.HEAPF32.buffer, at, width).fill(0);
      simd.sumRows(offsetOf(backend, x), offsetOf(backend, out), at, rows, width);
    } finally {
      disposeAll(backend, [scratch]);
    }
    return out;
  };
}

export function sumConfig(base: BaseKernels): KernelConfig {
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc: sumKernel(base) };
}
