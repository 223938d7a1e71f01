// The SIMD module itself: its filter tiles with relaxed SIMD's multiply-add (fused where the CPU
// has FMA) and with a multiply and an add give the same sums within float32 rounding.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { relaxedSimdAvailable, writeModule } from '../../src/main/lab/engine/wasm/simd';

type Exports = Record<string, (...args: number[]) => void>;
interface Memory {
  buffer: ArrayBuffer;
}
// typed here: the node tsconfig has no DOM lib, where WebAssembly's types live
const Wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (descriptor: { initial: number }) => Memory;
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: Exports };
    };
  }
).WebAssembly;

function instantiate(memory: Memory, relaxed: boolean): Exports {
  return new Wasm.Instance(new Wasm.Module(writeModule(relaxed)), { env: { memory } }).exports;
}

describe('simd module', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is available with relaxed SIMD under this Node (flag set at run time), and can be turned off', () => {
    expect(relaxedSimdAvailable()).toBe(true);
    vi.stubEnv('CASEBOOK_RELAXED_SIMD', '0');
    expect(relaxedSimdAvailable()).toBe(false);
  });

  it('sums a 4 × 8 filter tile the same with and without fused multiply-add', () => {
    expect(relaxedSimdAvailable()).toBe(true);
    const memory = new Wasm.Memory({ initial: 4 });
    const f32 = new Float32Array(memory.buffer);
    const pixels = 500;
    const [x, dy, plainAt, relaxedAt] = [0, 4 * pixels, 16 * pixels, 16 * pixels + 128];
    let state = 7;
    for (let i = 0; i < 12 * pixels; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      f32[i] = state / 2 ** 31 - 1;
    }
    const run = (exports: Exports, w: number) =>
      // one tile; x: 4 channels per pixel, dy: 8 per pixel; one image, one row of `pixels` columns
      exports['filter_tile_4_8']!(x * 4, dy * 4, w * 4, 1, 1, 1, 1, pixels, 0, 0, 16, 0, 0, 32, 32);
    run(instantiate(memory, false), plainAt);
    run(instantiate(memory, true), relaxedAt);
    for (let k = 0; k < 4; k++) {
      for (let o = 0; o < 8; o++) {
        let exact = 0;
        for (let p = 0; p < pixels; p++) exact += f32[x + 4 * p + k]! * f32[dy + 8 * p + o]!;
        expect(f32[plainAt + 8 * k + o]).toBeCloseTo(exact, 3);
        expect(f32[relaxedAt + 8 * k + o]).toBeCloseTo(exact, 3);
      }
    }
  });
});
