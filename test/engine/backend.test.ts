// The run-time choice of backend.
import * as tfjs from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';

/** Whether the optional native package is installed here (it is not on the offline build machines). */
function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('initEngine', () => {
  it('uses tfjs-node where it loads, else falls back to wasm saying why', async () => {
    const engine = await initEngine();
    if (tfjsNodeInstalled()) {
      expect(engine.backend).toBe('tensorflow');
    } else {
      expect(engine.backend).toBe('wasm');
      expect(engine.detail).toMatch(/tensorflow: @tensorflow\/tfjs-node is not installed/);
      expect(engine.detail).toMatch(/using wasm \(SIMD/);
    }
    expect(tf.getBackend()).toBe(engine.backend);
  });

  it('is idempotent', async () => {
    const a = await initEngine();
    const b = await initEngine({ prefer: 'tensorflow' });
    expect(b).toBe(a);
  });

  it('honours prefer, and switches back when asked again', async () => {
    const cpu = await initEngine({ prefer: 'cpu' });
    expect(cpu.backend).toBe('cpu');
    expect(cpu.detail).toMatch(/tensorflow: not tried.*wasm: not tried/);
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await initEngine({ prefer: 'wasm' });
    expect(wasm.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('re-exports the one tfjs instance', () => {
    expect(tf.engine()).toBe(tfjs.engine());
    expect(tf.version_core).toBe(tfjs.version_core);
  });
});
