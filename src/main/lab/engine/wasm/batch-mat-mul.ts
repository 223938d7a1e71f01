// BatchMatMul for the wasm backend. The stock kernel uses XNNPACK only for a plain product and
// falls back to a naive loop whenever an operand is transposed, which is what a dense layer's
// backward pass asks for (x^T · dy and dy · W^T): about 25× slower than the plain product of the
// same size. And XNNPACK repacks the right operand at every call: for a layer's new weights
// every step, 800 KB written and read again for the VNN's 3136×64 kernel (1.2 of the 1.9 ms of
// its forward product for 50 images), traffic that the two training threads then fight over.
//
// So, for single products whose result has a multiple of 4 columns and whose operands are big
// enough to matter, the product is a sum of outer products over the inner dimension in SIMD
// register tiles (./simd `outerProduct`), read in place: x^T · dy needs no copy at all, x · W a
// transposed copy of x (small: the batch's rows), dy · W^T transposed copies of both. Other
// products: the transposed operand materialised, then the stock plain product.
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { BaseKernels } from './base-kernels';
import { asWasmBackend, disposeAll, f32, offsetOf, type WasmBackend } from './heap';
import { transposed } from './layout';
import { columnTiles, rowTiles, simdKernels, type SimdKernels } from './simd';

const KERNEL = 'BatchMatMul';

/** Multiply-adds below which the stock product is as good (its set-up is then what counts). */
const MIN_WORK = 64 * 1024;

/** [rows, cols] of a matrix given as rank 2, or rank 3 with one matrix; undefined otherwise. */
function single(info: TensorInfo): [number, number] | undefined {
  const s = info.shape;
  const matrix = s.length === 2 ? s : s.length === 3 && s[0] === 1 ? s.slice(1) : [];
  const [rows, cols] = matrix;
  return rows === undefined || cols === undefined ? undefined : [rows, cols];
}

/**
 * Rows of the inner dimension per pass over the result: a pass's rows of x and dy stay in cache
 * while every tile of the result reads them (for the VNN's x·W, 128 of its 3,136 rows of weights).
 */
const K_CHUNK = 128;

/**
 * w[m][n] += Σ_k x[k][m]·dy[k][n] for x [K, M], dy [K, N] (N a multiple of 4) and w [M, N], in
 * passes of K_CHUNK values of k.
 */
export function outerProductSum(
  simd: SimdKernels,
  x: number,
  dy: number,
  w: number,
  [M, N, K]: [number, number, number],
): void {
  const rows = M * 4;
  const cols = N * 4;
  for (let k0 = 0; k0 < K; k0 += K_CHUNK) {
    const count = Math.min(K_CHUNK, K - k0);
    const xk = x + k0 * rows;
    const dyk = dy + k0 * cols;
    // rows m0… of the result in `tiles` tiles of cb rows
    rowTiles(M, (cb, m0, tiles) => {
      const [xm, wm] = [xk + m0 * 4, w + m0 * cols];
      columnTiles(N, (ob, at, nTiles) =>
        simd.outerProduct(cb, ob, xm, dyk + at, wm + at, tiles, nTiles, count, rows, cols, cols),
      );
    });
  }
}

function simdProduct(
  backend: WasmBackend,
  simd: SimdKernels,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | undefined {
  const sa = single(a);
  const sb = single(b);
  if (sa === undefined || sb === undefined || a.shape.length !== b.shape.length) return undefined;
  const [M, K] = transposeA ? [sa[1], sa[0]] : sa;
  const [K2, N] = transposeB ? [sb[1], sb[0]] : sb;
  if (K !== K2 || N % 4 !== 0 || M * N * K < MIN_WORK) return undefined;
  // x as [K, M], dy as [K, N]
  const x = transposeA ? undefined : transposed(backend, a, simd);
  const dy = transposeB ? transposed(backend, b, simd) : undefined;
  try {
    const out = backend.makeOutput(a.shape.length === 3 ? [1, M, N] : [M, N], 'float32');
    f32(backend, out).fill(0);
    outerProductSum(simd, offsetOf(backend, x ?? a), offsetOf(backend, dy ?? b), offsetOf(backend, out), [M, N, K]);
    return out;
  } finally {
    disposeAll(backend, [x, dy]);
  }
}

export function batchMatMulKernel(base: BaseKernels): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = asWasmBackend(anyBackend, KERNEL);
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const plain = { transposeA: false, transposeB: false } as unknown as NamedAttrMap;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
      return base.batchMatMul(backend, inputs, attrs ?? plain);
    }
    const simd = simdKernels(backend);
    const ours = simd && simdProduct(backend, simd, a, b, transposeA, transposeB);
    if (ours !== undefined) return ours;
    if (!transposeA && !transposeB) return base.batchMatMul(backend, inputs, attrs ?? plain);
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
