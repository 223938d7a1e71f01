// The run-time choice of backend.
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';

describe('initEngine', () => {
  it('falls back from tfjs-node (absent here) to wasm, saying why', async () => {
    const engine = await initEngine();
    expect(engine.backend).toBe('wasm');
    expect(engine.detail).toMatch(/tensorflow: @tensorflow\/tfjs-node is not installed/);
    expect(engine.detail).toMatch(/using wasm \(SIMD/);
    expect(tf.getBackend()).toBe('wasm');
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
