// Data movement on float32 arrays in the wasm heap.
import type { TensorInfo } from '@tensorflow/tfjs';
import { f32, offsetOf, type WasmBackend } from './heap';
import type { SimdKernels } from './simd';

const BLOCK = 32;

/**
 * Transposes the last two axes of `src` (a stack of [rows, cols] matrices) into `dst`, in
 * cache-sized blocks.
 */
export function transposeLastTwo(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  const size = rows * cols;
  const stack = size === 0 ? 0 : src.length / size;
  for (let m = 0; m < stack; m++) {
    const base = m * size;
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const r1 = Math.min(rows, r0 + BLOCK);
      for (let c0 = 0; c0 < cols; c0 += BLOCK) {
        const c1 = Math.min(cols, c0 + BLOCK);
        for (let r = r0; r < r1; r++) {
          let from = base + r * cols + c0;
          let to = base + c0 * rows + r;
          for (let c = c0; c < c1; c++, from++, to += rows) dst[to] = src[from] ?? 0;
        }
      }
    }
  }
}

/**
 * Transposes a row-major [rows, cols] matrix at byte `src` of the wasm heap into `dst` ([cols,
 * rows]): the 4×4 blocks in SIMD, the edges here.
 */
function transposeInHeap(
  backend: WasmBackend,
  simd: SimdKernels,
  src: number,
  dst: number,
  rows: number,
  cols: number,
): void {
  simd.transposeBlocks(src, dst, rows, cols);
  const heap = backend.wasm.HEAPF32;
  const s = src / 4;
  const d = dst / 4;
  const rows4 = rows - (rows % 4);
  const cols4 = cols - (cols % 4);
  for (let r = 0; r < rows; r++) {
    for (let c = r < rows4 ? cols4 : 0; c < cols; c++) heap[d + c * rows + r] = heap[s + r * cols + c] ?? 0;
  }
}

/** The last two axes of `info` swapped, into a new tensor (SIMD blocks for a single matrix). */
export function transposed(backend: WasmBackend, info: TensorInfo, simd?: SimdKernels): TensorInfo {
  const shape = info.shape.slice();
  const [rows, cols] = shape.splice(-2, 2) as [number, number];
  shape.push(cols, rows);
  const out = backend.makeOutput(shape, 'float32');
  if (simd !== undefined && shape.every((d, i) => i >= shape.length - 2 || d === 1)) {
    transposeInHeap(backend, simd, offsetOf(backend, info), offsetOf(backend, out), rows, cols);
  } else {
    transposeLastTwo(f32(backend, info), f32(backend, out), rows, cols);
  }
  return out;
}
