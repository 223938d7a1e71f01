import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { FeatureStore } from '../../src/main/lab/store/features';
import { decodeHalf, encodeHalf, toHalfBits } from '../../src/main/lab/store/float16';
import { RunStore } from '../../src/main/lab/store/runs';
import { syntheticDataset } from '../helpers/synthetic';

describe('float16', () => {
  it('encodes the bit patterns of IEEE 754 half precision', () => {
    // reference bit patterns from the IEEE 754 binary16 tables
    expect(toHalfBits(0)).toBe(0x0000);
    expect(toHalfBits(-0)).toBe(0x8000);
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(toHalfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalfBits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(toHalfBits(1 / 3)).toBe(0x3555);
    // ties to even: 1 + 2^-11 is halfway between 1 and 1 + 2^-10
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalfBits(NaN) & 0x7c00).toBe(0x7c00);
  });

  it('round-trips values within half precision', () => {
    const values = Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 7) - 3));
    const back = decodeHalf(encodeHalf(values));
    expect(back).toHaveLength(values.length);
    values.forEach((v, i) => {
      expect(Math.abs((back[i] ?? NaN) - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    });
    expect(decodeHalf(encodeHalf([Infinity, -Infinity]))).toEqual(Float32Array.from([Infinity, -Infinity]));
    expect(Number.isNaN(decodeHalf(encodeHalf([NaN]))[0])).toBe(true);
    expect(() => decodeHalf(new Uint8Array(3))).toThrow(/3 bytes/);
  });
});

describe('FeatureStore (migration 011)', () => {
  function setup() {
    const db = openDatabase(':memory:');
    const { dataset } = new DatasetStore(db).add(syntheticDataset());
    const runs = new RunStore(db);
    const run = runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('cnn'),
    });
    return { db, runs, runId: run.id, store: new FeatureStore(db) };
  }

  it('stores a split as float16 rows and gives them back; put replaces', () => {
    const { db, runId, store } = setup();
    expect(store.get(runId, 'train')).toBeNull();
    expect(store.has(runId)).toBe(false);
    const values = Float32Array.from([0.5, -1.25, 3, 0.1, 0, 2]);
    store.put(runId, 'train', 3, values, 'dense_2');
    const got = store.get(runId, 'train');
    expect(got).toMatchObject({ dim: 3, count: 2, layer: 'dense_2' });
    expect(Array.from(got?.values ?? [])).toEqual([0.5, -1.25, 3, expect.closeTo(0.1, 4), 0, 2]);
    const bytes = db.prepare('SELECT length(vectors) FROM run_features').pluck().get();
    expect(bytes).toBe(12); // two bytes a value
    store.putAll(runId, [
      { split: 'train', dim: 2, values: Float32Array.from([1, 2]), layer: 'z_mean' },
      { split: 'test', dim: 2, values: Float32Array.from([3, 4, 5, 6]), layer: 'z_mean' },
    ]);
    expect(store.get(runId, 'train')).toMatchObject({ dim: 2, count: 1, layer: 'z_mean' });
    expect(store.info(runId).map((i) => [i.split, i.count])).toEqual([
      ['test', 2],
      ['train', 1],
    ]);
    expect(store.has(runId)).toBe(true);
  });

  it('refuses values that are not whole rows and leaves what was stored', () => {
    const { runId, store } = setup();
    store.put(runId, 'test', 2, Float32Array.from([1, 2]));
    expect(() => store.put(runId, 'test', 2, Float32Array.from([1, 2, 3]))).toThrow(/3 values are not rows of 2/);
    expect(() => store.put(runId, 'test', 0, Float32Array.from([]))).toThrow(/dim 0/);
    expect(() =>
      store.putAll(runId, [
        { split: 'train', dim: 1, values: Float32Array.from([1]), layer: '' },
        { split: 'test', dim: 2, values: Float32Array.from([1]), layer: '' },
      ]),
    ).toThrow(/not rows/);
    // the transaction stored nothing of the failed putAll
    expect(store.get(runId, 'train')).toBeNull();
    expect(store.get(runId, 'test')?.count).toBe(1);
  });

  it('goes with the run', () => {
    const { runs, runId, store } = setup();
    store.put(runId, 'test', 1, Float32Array.from([1]));
    runs.setStatus(runId, 'cancelled');
    runs.delete(runId);
    expect(store.get(runId, 'test')).toBeNull();
  });
});
