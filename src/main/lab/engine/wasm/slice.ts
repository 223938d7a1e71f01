// Slice for the wasm backend. The stock kernel first copies the whole input out of the heap
// (`readSync`), then the slice from that copy: taking the batches of a 3,000-image tensor one by
// one, as `predict` and `evaluate` do, copied 37 MB per batch, and predicting the VNN's validation
// set took 5.6 s where its training epoch takes 10. A slice of consecutive elements (a run of
// images, rows, …) is copied here straight from the input's bytes to the output's; other slices
// go to the stock kernel.
import {
  slice_util,
  util,
  type KernelConfig,
  type KernelFunc,
  type SliceAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs';
import type { BaseKernels } from './base-kernels';
import { asWasmBackend, offsetOf } from './heap';

const KERNEL = 'Slice';

export function sliceKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, KERNEL);
    const { x } = inputs as { x: TensorInfo };
    const { begin, size } = attrs as unknown as SliceAttrs;
    const [start = [], extent = []] = slice_util.parseSliceParams(x, begin, size);
    if (x.dtype === 'string' || !slice_util.isSliceContinous(x.shape, start, extent)) {
      return base.slice(backend, inputs, attrs ?? {});
    }
    const bytesPerElement = util.bytesPerElement(x.dtype);
    const first = slice_util.computeFlatOffset(start, util.computeStrides(x.shape));
    const bytes = util.sizeFromShape(extent) * bytesPerElement;
    const out = backend.makeOutput(extent, x.dtype);
    if (bytes > 0) {
      // after makeOutput: an allocation may have grown the heap and replaced its buffer
      const from = offsetOf(backend, x) + first * bytesPerElement;
      backend.wasm.HEAPU8.copyWithin(offsetOf(backend, out), from, from + bytes);
    }
    return out;
  };
}

export function sliceConfig(base: BaseKernels): KernelConfig {
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc: sliceKernel(base) };
}
