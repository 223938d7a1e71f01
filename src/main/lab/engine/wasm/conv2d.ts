// Conv2D (forward) for the wasm backend, as training runs it: tfjs unfuses a layer's convolution
// while it records gradients, and the stock kernel then runs XNNPACK's, which, with two
// training threads, slowed by 17–40 % (tf.profile, VNN, 50 images per thread) where our SIMD
// tiles, reading their operands in place, slowed by ≤ 5 %.
//
//   y[n, i, j, o] = Σ over a, b, c of  x[n, i·sh + a − padTop, j·sw + b − padLeft, c] · W[a, b, c, o]
//
// For each output pixel, row a of its window is kw·Ci consecutive floats of x (of a zero-padded
// copy of x when the convolution pads), and row a of the filter is the matching kw·Ci rows of W:
// register tiles of 4 pixels × 8 output channels (./simd `convTile`) sum their products with
// the pixels' window addresses from a table. Output channels must be a multiple of 4 (every
// layer of the seed models) and input channels at least MIN_IN_CHANNELS; other convolutions, and
// the fused ones of inference, are the stock kernel's.
import type { Conv2DAttrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BaseKernels } from './base-kernels';
import { convGeometry, type ConvGeometry } from './conv-info';
import { asWasmBackend, disposeAll, f32, i32, offsetOf, type WasmBackend } from './heap';
import { columnTiles, rowTiles, simdKernels, type SimdKernels } from './simd';

const KERNEL = 'Conv2D';

/**
 * Fewer input channels make window rows too short for the tiles' loops (a first layer on RGB:
 * 9 values a row, twice the stock kernel's time); those stay XNNPACK's.
 */
const MIN_IN_CHANNELS = 8;

/** Input padding on each side: what the output's windows reach beyond x (never negative). */
function padding(g: ConvGeometry): { top: number; left: number; bottom: number; right: number } {
  const bottom = (g.outHeight - 1) * g.strideHeight + g.filterHeight - g.inHeight - g.padTop;
  const right = (g.outWidth - 1) * g.strideWidth + g.filterWidth - g.inWidth - g.padLeft;
  return { top: g.padTop, left: g.padLeft, bottom: Math.max(0, bottom), right: Math.max(0, right) };
}

/** x with zero rows and columns around each image: [N, H + top + bottom, W + left + right, C]. */
function padded(backend: WasmBackend, x: TensorInfo, g: ConvGeometry, pad: ReturnType<typeof padding>): TensorInfo {
  const { batch: n, inHeight: h, inWidth: w, inChannels: c } = g;
  const hp = h + pad.top + pad.bottom;
  const wp = w + pad.left + pad.right;
  const out = backend.makeOutput([n, hp, wp, c], 'float32');
  const src = f32(backend, x);
  const dst = f32(backend, out);
  dst.fill(0);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < h; r++) {
      const from = (i * h + r) * w * c;
      dst.set(src.subarray(from, from + w * c), ((i * hp + r + pad.top) * wp + pad.left) * c);
    }
  }
  return out;
}

/**
 * out[t][o] = Σ over `rows` rows a and `span` values q of x[table[t] + a·rowBytes + 4q] ·
 * w[(a·span + q)·columns + o], for `pixels` pixels t (out rows `columns` floats apart, a multiple
 * of 4): tiles of 4 pixels × 8 columns, then what remains.
 */
export function windowProducts(
  simd: SimdKernels,
  tableAt: number,
  pixels: number,
  wAt: number,
  outAt: number,
  { rows, rowBytes, span, columns }: { rows: number; rowBytes: number; span: number; columns: number },
): void {
  const bytes = columns * 4;
  rowTiles(pixels, (pb, first, tiles) => {
    const [at, out] = [tableAt + first * 4, outAt + first * bytes];
    columnTiles(columns, (ob, offset, oTiles) =>
      simd.convTile(pb, ob, at, wAt + offset, out + offset, tiles, oTiles, rows, rowBytes, span, bytes),
    );
  });
}

function tiled(
  backend: WasmBackend,
  simd: SimdKernels,
  x: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const pad = padding(g);
  const source = pad.top + pad.left + pad.bottom + pad.right > 0 ? padded(backend, x, g, pad) : undefined;
  const [, hp = 0, wp = 0] = (source ?? x).shape;
  const ci = g.inChannels;
  const co = g.outChannels;
  const pixels = g.batch * g.outHeight * g.outWidth;
  const table = backend.makeOutput([Math.max(1, pixels)], 'int32');
  const y = backend.makeOutput([g.batch, g.outHeight, g.outWidth, co], 'float32');
  try {
    const xAt = offsetOf(backend, source ?? x);
    const addresses = i32(backend, table);
    let t = 0;
    for (let n = 0; n < g.batch; n++) {
      for (let i = 0; i < g.outHeight; i++) {
        const rowAt = xAt + (n * hp + i * g.strideHeight) * wp * ci * 4;
        for (let j = 0; j < g.outWidth; j++) addresses[t++] = rowAt + j * g.strideWidth * ci * 4;
      }
    }
    windowProducts(simd, offsetOf(backend, table), pixels, offsetOf(backend, filter), offsetOf(backend, y), {
      rows: g.filterHeight,
      rowBytes: wp * ci * 4,
      span: g.filterWidth * ci,
      columns: co,
    });
    return y;
  } catch (error) {
    disposeAll(backend, [y]);
    throw error;
  } finally {
    disposeAll(backend, [source, table]);
  }
}

export function conv2DKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, KERNEL);
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as Conv2DAttrs & { dilations?: number | [number, number] };
    const simd = simdKernels(backend);
    const dilated =
      a.dilations !== undefined && (typeof a.dilations === 'number' ? a.dilations : Math.max(...a.dilations)) !== 1;
    if (
      simd === undefined ||
      x.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      a.dataFormat !== 'NHWC' ||
      dilated ||
      filter.shape.length !== 4 ||
      (filter.shape[3] ?? 0) % 4 !== 0 ||
      (filter.shape[2] ?? 0) < MIN_IN_CHANNELS
    ) {
      return base.conv2d(backend, inputs, attrs ?? ({} as NamedAttrMap));
    }
    return tiled(backend, simd, x, filter, convGeometry(KERNEL, x.shape, filter.shape, a));
  };
}

export function conv2DConfig(base: BaseKernels): KernelConfig {
  return { kernelName: KERNEL, backendName: 'wasm', kernelFunc: conv2DKernel(base) };
}
