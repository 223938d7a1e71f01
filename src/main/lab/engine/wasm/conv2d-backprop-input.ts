// Conv2DBackpropInput for the wasm backend as one ordinary forward convolution: the output
// gradient, padded (and, for strides > 1, dilated with zeros), convolved with the filter flipped
// in space and with its input and output channels swapped.
//
//   dx[n, h, w, c] = sum over a, b, o of  P[n, h + a, w + b, o] * F[a, b, o, c]
//   F[a, b, o, c] = filter[kh-1-a, kw-1-b, c, o]
//   P[n, padT + i*sh, padL + j*sw, o] = dy[n, i, j, o]   (zeros elsewhere), padT = kh-1-padTop
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BaseKernels } from './base-kernels';
import { convGeometry, type ConvGeometry } from './conv-info';
import { asWasmBackend, disposeAll, f32, requireFloat32, type WasmBackend } from './heap';

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

export function conv2DBackpropInputKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, KERNEL);
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    requireFloat32(KERNEL, 'dy', dy);
    requireFloat32(KERNEL, 'filter', filter);
    const a = attrs as unknown as Conv2DBackpropInputAttrs & { dilations?: number | [number, number] };
    const g = convGeometry(KERNEL, a.inputShape, filter.shape, a);

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
