// Data movement on float32 arrays in the wasm heap.

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
