import { describe, expect, it } from 'vitest';
import { knnAccuracy2d } from '../../src/main/lab/map/knn';
import { umap2d } from '../../src/main/lab/map/umap';
import { seededRandom } from '../../src/main/lab/training/random';

/** n points per class in `dim` dimensions: a random centre per class plus small gaussian noise. */
function clusters(classes: number, perClass: number, dim: number, spread: number, seed: number) {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => gauss()));
  const n = classes * perClass;
  const values = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % classes;
    labels[i] = label;
    for (let j = 0; j < dim; j++) values[i * dim + j] = (centres[label]?.[j] ?? 0) + spread * gauss();
  }
  return { values, labels };
}

describe('umap2d', () => {
  const { values, labels } = clusters(5, 60, 32, 0.15, 7);

  it('gives the same map for the same features and seed, and another for another seed', async () => {
    const { coords: a, epochs } = await umap2d({ values, dim: 32, seed: 1, epochs: 100 });
    const { coords: b } = await umap2d({ values, dim: 32, seed: 1, epochs: 100 });
    const { coords: c } = await umap2d({ values, dim: 32, seed: 2, epochs: 100 });
    expect(a.length).toBe(2 * 300);
    expect(epochs).toBe(100);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('keeps well-separated classes together: kNN accuracy in 2-D of at least 0.95', async () => {
    const { coords: map } = await umap2d({ values, dim: 32, seed: 3 });
    expect(knnAccuracy2d(map, labels)).toBeGreaterThanOrEqual(0.95);
    for (const v of map) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('reports its epochs and stops when cancelled', async () => {
    const seen: number[] = [];
    const controller = new AbortController();
    const run = umap2d({
      values,
      dim: 32,
      seed: 1,
      epochs: 200,
      onEpoch: (done) => {
        seen.push(done);
        if (done >= 50) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.slice(0, 5)).toEqual([10, 20, 30, 40, 50]);
  });

  it('says what is wrong with its input', async () => {
    await expect(umap2d({ values: new Float32Array(10), dim: 3, seed: 1 })).rejects.toThrow(/whole number of 3/);
    await expect(umap2d({ values: new Float32Array(4), dim: 2, seed: 1 })).rejects.toThrow(/at least 3 points/);
  });
});

describe('knnAccuracy2d', () => {
  it('is 1 for separated groups and about chance for mixed labels', () => {
    const points = new Float32Array([0, 0, 0, 0.01, 0.01, 0, 1, 1, 1, 0.99, 0.99, 1]);
    expect(knnAccuracy2d(points, [0, 0, 0, 1, 1, 1], 2)).toBe(1);
    expect(knnAccuracy2d(points, [0, 1, 0, 1, 0, 1], 2)).toBeLessThan(0.5);
  });
});
