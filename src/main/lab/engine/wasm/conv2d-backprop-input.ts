// Conv2DBackpropInput for the wasm backend, two ways:
//
// - input channels a multiple of 4 (every layer of the seed models): the column path below, a
//   matrix product and a SIMD col2im (VNN conv_2 27→22 ms, MC-dropout conv_3 29→14 ms and conv_2
//   47→38 ms per step, tf.profile on one thread, with XNNPACK's product; now our own tiles);
// - otherwise one ordinary forward convolution: the output gradient, padded (and, for strides > 1,
//   dilated with zeros), convolved with the filter flipped in space and with its input and output
//   channels swapped.
//
//   dx[n, h, w, c] = sum over a, b, o of  P[n, h + a, w + b, o] * F[a, b, o, c]
//   F[a, b, o, c] = filter[kh-1-a, kw-1-b, c, o]
//   P[n, padT + i*sh, padL + j*sw, o] = dy[n, i, j, o]   (zeros elsewhere), padT = kh-1-padTop
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BaseKernels } from './base-kernels';
import { convGeometry, type ConvGeometry } from './conv-info';
import { asWasmBackend, disposeAll, f32, i32, offsetOf, requireFloat32, type WasmBackend } from './heap';
import { transposed } from './layout';
import { windowProducts } from './conv2d';
import { simdKernels, type SimdKernels } from './simd';

const KERNEL = 'Conv2DBackpropInput';

/** The filter flipped in space with input and output channels swapped: [kh, kw, Co, Ci]. */
export function flippedFilter(backend: WasmBackend, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const src = f32(backend, filter);
  const dst = f32(backend, out);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
      const to = (a * kw + b) * co * ci;
      for (let c = 0; c < ci; c++) {
        for (let o = 0; o < co; o++) dst[to + o * ci + c] = src[from + c * co + o] ?? 0;
      }
    }
  }
  return out;
}

/** P as defined above, of shape [N, H + kh - 1, W + kw - 1, Co]: for strides > 1 or odd paddings. */
function paddedDilated(backend: WasmBackend, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const ph = g.inHeight + g.filterHeight - 1;
  const pw = g.inWidth + g.filterWidth - 1;
  const co = g.outChannels;
  const top = g.filterHeight - 1 - g.padTop;
  const left = g.filterWidth - 1 - g.padLeft;
  const out = backend.makeOutput([g.batch, ph, pw, co], 'float32');
  const src = f32(backend, dy);
  const dst = f32(backend, out);
  dst.fill(0);
  for (let n = 0; n < g.batch; n++) {
    for (let i = 0; i < g.outHeight; i++) {
      const r = top + i * g.strideHeight;
      if (r < 0 || r >= ph) continue;
      for (let j = 0; j < g.outWidth; j++) {
        const c = left + j * g.strideWidth;
        if (c < 0 || c >= pw) continue;
        const from = ((n * g.outHeight + i) * g.outWidth + j) * co;
        dst.set(src.subarray(from, from + co), ((n * ph + r) * pw + c) * co);
      }
    }
  }
  return out;
}

/**
 * Output pixels per product of the column path: its columns (× kh·kw·Ci floats: 295 KB for the
 * VNN's conv_2) stay in cache for col2im.
 */
const CHUNK_PIXELS = 256;

/**
 * The column path, for Ci a multiple of 4: cols = dy · Fᵀ (F the filter as [kh·kw·Ci, Co]) by the
 * SIMD tiles of the forward convolution (./conv2d `windowProducts`, each row of dy a window of one
 * row; XNNPACK's product was as fast alone and slowed more beside a second training thread), a
 * few images at a time, each chunk's columns added into dx (col2im, SIMD). It does exactly the
 * forward convolution's multiply-adds, where the padded convolution also multiplies the zeros
 * around dy: 2.25× the work for the seed MC-dropout model's last layer (4×4 → 6×6), 1.3× for the
 * 13×13 → 15×15 ones.
 */
function byColumns(
  backend: WasmBackend,
  simd: SimdKernels,
  dy: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const co = g.outChannels;
  const perImage = g.outHeight * g.outWidth;
  const pixels = g.batch * perImage;
  const images = Math.max(1, Math.floor(CHUNK_PIXELS / perImage));
  const filterT = transposed(backend, { ...filter, shape: [K, co] }, simd);
  const table = backend.makeOutput([pixels], 'int32');
  const cols = backend.makeOutput([images * perImage, K], 'float32');
  const dx = backend.makeOutput([g.batch, g.inHeight, g.inWidth, g.inChannels], 'float32');
  f32(backend, dx).fill(0);
  // dy's rows (one per output pixel, Co floats) by address, for the tiles
  const dyAt = offsetOf(backend, dy);
  const rowsAt = i32(backend, table);
  for (let p = 0; p < pixels; p++) rowsAt[p] = dyAt + p * co * 4;
  const imageSize = g.inHeight * g.inWidth * g.inChannels;
  try {
    for (let n0 = 0; n0 < g.batch; n0 += images) {
      const count = Math.min(images, g.batch - n0);
      // cols = the chunk's rows of dy · Fᵀ (each row of dy a window of one row), then into dx
      const columns = { rows: 1, rowBytes: 0, span: co, columns: K };
      const rows = offsetOf(backend, table) + n0 * perImage * 4;
      windowProducts(simd, rows, count * perImage, offsetOf(backend, filterT), offsetOf(backend, cols), columns);
      simd.col2im(
        offsetOf(backend, cols),
        offsetOf(backend, dx) + n0 * imageSize * 4,
        count,
        g.outHeight,
        g.outWidth,
        g.inHeight,
        g.inWidth,
        g.inChannels,
        g.filterHeight,
        g.filterWidth,
        g.strideHeight,
        g.strideWidth,
        g.padTop,
        g.padLeft,
      );
    }
  } catch (error) {
    disposeAll(backend, [dx]);
    throw error;
  } finally {
    disposeAll(backend, [filterT, table, cols]);
  }
  return dx;
}

export function conv2DBackpropInputKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, KERNEL);
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    requireFloat32(KERNEL, 'dy', dy);
    requireFloat32(KERNEL, 'filter', filter);
    const a = attrs as unknown as Conv2DBackpropInputAttrs & { dilations?: number | [number, number] };
    const g = convGeometry(KERNEL, a.inputShape, filter.shape, a);
    const simd = simdKernels(backend);
    if (simd !== undefined && g.inChannels % 4 === 0) return byColumns(backend, simd, dy, filter, g);

    const top = g.filterHeight - 1 - g.padTop;
    const left = g.filterWidth - 1 - g.padLeft;
    const bottom = g.inHeight - ((g.outHeight - 1) * g.strideHeight + 1) + g.filterHeight - 1 - top;
    const right = g.inWidth - ((g.outWidth - 1) * g.strideWidth + 1) + g.filterWidth - 1 - left;
    const direct = g.strideHeight === 1 && g.strideWidth === 1 && Math.min(top, left, bottom, right) >= 0;

    const flipped = flippedFilter(backend, filter);
    const source = direct ? dy : paddedDilated(backend, dy, g);
    try {
      const pad = direct
        ? [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ]
        : 'valid';
      const convAttrs = { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as NamedAttrMap;
      return base.conv2d(backend, { x: source, filter: flipped }, convAttrs);
    } finally {
      disposeAll(backend, [flipped, direct ? undefined : source]);
    }
  };
}

export function conv2DBackpropInputConfig(base: BaseKernels): KernelConfig {
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc: conv2DBackpropInputKernel(base) };
}
