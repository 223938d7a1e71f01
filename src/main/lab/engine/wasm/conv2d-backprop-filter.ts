// Conv2DBackpropFilter for the wasm backend (the stock backend has none).
//
//   dW[a, b, c, o] = sum over n, i, j of  x[n, i*sh + a - padTop, j*sw + b - padLeft, c] * dy[n, i, j, o]
//
// that is dW = patches^T · dy, with patches the [N*Ho*Wo, kh*kw*Ci] im2col matrix of x: a
// product whose inner dimension is every output pixel of the batch (230,400 for the seed CNN's
// first layer) and whose result is tiny (27×32). The backend's matrix product handles that shape
// badly (it re-reads both operands for every small output tile, and repacks the right one), so:
//
// - when Co is a multiple of 4 (always, in the seed's models), SIMD register tiles of 1-4 input
//   × 4 or 8 output channels walk x and dy in place, a few images at a time so that they stay in
//   cache; no im2col matrix is written;
// - otherwise the sum is cut into chunks of pixels: each chunk's transposed patches are written
//   out, multiplied with the matching rows of dy (a view, no copy) by the backend's own product,
//   and the partial products are added up.
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BaseKernels } from './base-kernels';
import { convGeometry, type ConvGeometry } from './conv-info';
import {
  asWasmBackend,
  disposeAll,
  f32,
  offsetOf,
  releaseView,
  requireFloat32,
  viewOf,
  type WasmBackend,
} from './heap';
import { columnTiles, rowTiles, simdKernels, type SimdKernels } from './simd';

const KERNEL = 'Conv2DBackpropFilter';

/** Pixels per chunk: big enough to amortise each product's set-up, small enough to stay in cache. */
const CHUNK_PIXELS = 1024;

/** Writes patches^T for output pixels [p0, p0 + count) into `dst` ([kh*kw*Ci, count], row-major). */
function writePatchesT(x: Float32Array, dst: Float32Array, g: ConvGeometry, p0: number, count: number): void {
  const { inHeight: H, inWidth: W, inChannels: ci, filterHeight: kh, filterWidth: kw } = g;
  const perImage = g.outHeight * g.outWidth;
  for (let q = 0; q < count; q++) {
    const p = p0 + q;
    const n = Math.floor(p / perImage);
    const rest = p - n * perImage;
    const i = Math.floor(rest / g.outWidth);
    const j = rest - i * g.outWidth;
    const row0 = i * g.strideHeight - g.padTop;
    const col0 = j * g.strideWidth - g.padLeft;
    let k = q;
    for (let a = 0; a < kh; a++) {
      const row = row0 + a;
      const rowInside = row >= 0 && row < H;
      for (let b = 0; b < kw; b++) {
        const col = col0 + b;
        if (rowInside && col >= 0 && col < W) {
          const from = ((n * H + row) * W + col) * ci;
          for (let c = 0; c < ci; c++, k += count) dst[k] = x[from + c] ?? 0;
        } else {
          for (let c = 0; c < ci; c++, k += count) dst[k] = 0;
        }
      }
    }
  }
}

export function conv2DBackpropFilterKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, KERNEL);
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    requireFloat32(KERNEL, 'x', x);
    requireFloat32(KERNEL, 'dy', dy);
    const a = attrs as unknown as Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };
    const g = convGeometry(KERNEL, x.shape, a.filterShape, a);
    checkDy(dy, g);
    const simd = simdKernels(backend);
    return simd !== undefined && g.outChannels % 4 === 0
      ? tiledFilterGradient(backend, simd, x, dy, g)
      : filterGradient(backend, base, x, dy, g);
  };
}

function checkDy(dy: TensorInfo, g: ConvGeometry): void {
  const expected = [g.batch, g.outHeight, g.outWidth, g.outChannels];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${KERNEL} (wasm): dy has shape [${dy.shape}], expected [${expected}]`);
  }
}

/** Bytes of dy per group of images that the tiles sweep together (they re-read it per tile). */
const GROUP_BYTES = 256 * 1024;

/** First and one-past-last output index whose input coordinate o*stride + k - pad is in [0, size). */
function validRange(k: number, stride: number, pad: number, size: number, outSize: number): [number, number] {
  const first = Math.max(0, Math.ceil((pad - k) / stride));
  const last = Math.min(outSize, Math.floor((size - 1 + pad - k) / stride) + 1);
  return [first, Math.max(first, last)];
}

function tiledFilterGradient(
  backend: WasmBackend,
  simd: SimdKernels,
  x: TensorInfo,
  dy: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const { inHeight: H, inWidth: W, inChannels: ci, outHeight: Ho, outWidth: Wo, outChannels: co } = g;
  const out = backend.makeOutput([g.filterHeight, g.filterWidth, ci, co], 'float32');
  f32(backend, out).fill(0);
  const xAt = offsetOf(backend, x);
  const dyAt = offsetOf(backend, dy);
  const wAt = offsetOf(backend, out);
  const xImage = H * W * ci * 4;
  const dyImage = Ho * Wo * co * 4;
  const group = Math.max(1, Math.floor(GROUP_BYTES / dyImage));
  for (let n0 = 0; n0 < g.batch; n0 += group) {
    const images = Math.min(group, g.batch - n0);
    for (let a = 0; a < g.filterHeight; a++) {
      const [i0, i1] = validRange(a, g.strideHeight, g.padTop, H, Ho);
      if (i1 === i0) continue;
      for (let b = 0; b < g.filterWidth; b++) {
        const [j0, j1] = validRange(b, g.strideWidth, g.padLeft, W, Wo);
        if (j1 === j0) continue;
        const row = i0 * g.strideHeight + a - g.padTop;
        const col = j0 * g.strideWidth + b - g.padLeft;
        rowTiles(ci, (cb, c0, cTiles) =>
          columnTiles(co, (ob, oOffset, oTiles) =>
            simd.filterTile(
              cb,
              ob,
              xAt + (((n0 * H + row) * W + col) * ci + c0) * 4,
              dyAt + ((n0 * Ho + i0) * Wo + j0) * co * 4 + oOffset,
              wAt + ((a * g.filterWidth + b) * ci + c0) * co * 4 + oOffset,
              cTiles,
              oTiles,
              images,
              i1 - i0,
              j1 - j0,
              xImage,
              g.strideHeight * W * ci * 4,
              g.strideWidth * ci * 4,
              dyImage,
              Wo * co * 4,
              co * 4,
              co * 4,
            ),
          ),
        );
      }
    }
  }
  return out;
}

function filterGradient(backend: WasmBackend, base: BaseKernels, x: TensorInfo, dy: TensorInfo, g: ConvGeometry) {
  const k = g.filterHeight * g.filterWidth * g.inChannels;
  const co = g.outChannels;
  const pixels = g.batch * g.outHeight * g.outWidth;
  const chunk = Math.min(CHUNK_PIXELS, pixels);
  const out = backend.makeOutput([g.filterHeight, g.filterWidth, g.inChannels, co], 'float32');
  const patches = backend.makeOutput([k, chunk], 'float32');
  const tail = pixels % chunk === 0 ? undefined : backend.makeOutput([k, pixels % chunk], 'float32');
  const product = { transposeA: false, transposeB: false } as unknown as NamedAttrMap;
  try {
    f32(backend, out).fill(0);
    for (let p0 = 0; p0 < pixels; p0 += chunk) {
      const count = Math.min(chunk, pixels - p0);
      const a = count === chunk || tail === undefined ? patches : tail;
      writePatchesT(f32(backend, x), f32(backend, a), g, p0, count);
      const rows = viewOf(backend, dy, p0 * co, [count, co]);
      let partial: TensorInfo | undefined;
      try {
        partial = base.batchMatMul(backend, { a, b: rows }, product);
        const sum = f32(backend, out);
        const add = f32(backend, partial);
        for (let e = 0; e < sum.length; e++) sum[e] = (sum[e] ?? 0) + (add[e] ?? 0);
      } finally {
        releaseView(backend, rows);
        disposeAll(backend, [partial]);
      }
    }
    return out;
  } catch (error) {
    disposeAll(backend, [out]);
    throw error;
  } finally {
    disposeAll(backend, [patches, tail]);
  }
}

export function conv2DBackpropFilterConfig(base: BaseKernels): KernelConfig {
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc: conv2DBackpropFilterKernel(base) };
}
