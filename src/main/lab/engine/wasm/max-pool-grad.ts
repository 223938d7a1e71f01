// MaxPoolGrad for the wasm backend: one pass over the pooling windows, channels innermost (four
// at a time with SIMD when the channel count allows; 2×2 windows of stride 2, the seed models'
// pools, by a kernel of their own that reads x once and writes dx once), each window's gradient going to the first
// position holding the window's maximum: the cpu backend's rule (the stock wasm kernel keeps the
// last one, starts from the smallest positive float rather than −∞, and is several times slower).
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { asWasmBackend, f32, offsetOf, requireFloat32 } from './heap';
import { simdKernels } from './simd';

const KERNEL = 'MaxPoolGrad';

export const maxPoolGradKernel: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWasmBackend(anyBackend, KERNEL);
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  requireFloat32(KERNEL, 'dy', dy);
  requireFloat32(KERNEL, 'input', input);
  const a = attrs as unknown as MaxPoolGradAttrs & { dilations?: number | [number, number] };
  if (
    a.dilations !== undefined &&
    !(a.dilations === 1 || (Array.isArray(a.dilations) && a.dilations.every((d) => d === 1)))
  ) {
    throw new Error(`${KERNEL} (wasm): dilations ${JSON.stringify(a.dilations)} are not supported, only 1`);
  }
  if (input.shape.length !== 4) throw new Error(`${KERNEL} (wasm): expected a 4-D NHWC input, got [${input.shape}]`);
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const expected = info.outShape;
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${KERNEL} (wasm): dy has shape [${dy.shape}], expected [${expected}]`);
  }

  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  const out = backend.makeOutput(input.shape, 'float32');
  const simd = simdKernels(backend);
  const twoByTwo = fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0;
  // pointers and sizes both SIMD kernels take first
  const common = [
    offsetOf(backend, input),
    offsetOf(backend, dy),
    offsetOf(backend, out),
    batchSize,
    H,
    W,
    C,
    Ho,
    Wo,
  ] as const;
  if (simd !== undefined && C % 4 === 0 && twoByTwo) {
    // the windows cover every dx but an odd last row or column, which stays zero
    if (H !== 2 * Ho || W !== 2 * Wo) f32(backend, out).fill(0);
    simd.maxPoolGrad2x2(...common);
    return out;
  }
  f32(backend, out).fill(0);
  if (simd !== undefined && C % 4 === 0) {
    simd.maxPoolGrad(...common, sh, sw, fh, fw, top, left);
    return out;
  }
  const x = f32(backend, input);
  const g = f32(backend, dy);
  const dx = f32(backend, out);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let n = 0; n < batchSize; n++) {
    for (let i = 0; i < Ho; i++) {
      const r0 = Math.max(0, i * sh - top);
      const r1 = Math.min(H, i * sh - top + fh);
      for (let j = 0; j < Wo; j++) {
        const c0 = Math.max(0, j * sw - left);
        const c1 = Math.min(W, j * sw - left + fw);
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) {
            const base = ((n * H + r) * W + c) * C;
            for (let d = 0; d < C; d++) {
              const v = x[base + d] ?? Number.NaN;
              if (v > (best[d] ?? Number.POSITIVE_INFINITY)) {
                best[d] = v;
                where[d] = base + d;
              }
            }
          }
        }
        const from = ((n * Ho + i) * Wo + j) * C;
        for (let d = 0; d < C; d++) {
          const at = where[d] ?? -1;
          if (at >= 0) dx[at] = (dx[at] ?? 0) + (g[from + d] ?? 0);
        }
      }
    }
  }
  return out;
};

export const maxPoolGradConfig: KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: maxPoolGradKernel,
};
