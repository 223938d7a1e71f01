import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { classBoxplots, thinOutliers } from '../../src/main/lab/evaluation/class-boxplots';
import { boxplotStats } from '../../src/main/lab/evaluation/uncertainty';
import { summarise } from '../../src/main/lab/evaluation/report';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { RunStore } from '../../src/main/lab/store/runs';
import { syntheticDataset } from '../helpers/synthetic';

function setup() {
  const db = openDatabase(':memory:');
  const { dataset } = new DatasetStore(db).add(syntheticDataset());
  const run = new RunStore(db).create({
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    config: defaultRunConfig('vnn'),
  });
  return { runId: run.id, store: new EvaluationStore(db) };
}

// 4 images (true classes 0, 1, 0, 1) × T = 3 samples × K = 2 classes, image-major; p_1 = 1 − p_0
const P0 = [
  [0.9, 0.8, 0.7],
  [0.2, 0.4, 0.3],
  [0.6, 0.5, 1.0],
  [0.1, 0.0, 0.5],
];
const LABELS = [0, 1, 0, 1];
const samples = Float32Array.from(P0.flatMap((image) => image.flatMap((p) => [p, 1 - p])));

describe('classBoxplots', () => {
  it('pools every stored sample of the images of each true class', () => {
    const { store, runId } = setup();
    const { metrics, images } = summarise({ labels: LABELS, samples, perImage: 3, classes: ['a', 'b'] }, 1);
    store.add(runId, metrics, images, samples);
    const result = classBoxplots(store, runId)!;
    expect(result).toMatchObject({ runId, source: 'samples', samples: 3, classes: ['a', 'b'] });
    expect(result.groups.map((g) => [g.name, g.images])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    // true class a, probability of a: the 6 samples 0.9 0.8 0.7 0.6 0.5 1.0 → fivenum 0.5 0.6 0.75 0.9 1.0
    const aOfA = result.groups[0]!.boxplots![0]!;
    expect(aOfA.n).toBe(6);
    expect(aOfA.stats.map((v) => Number(v.toFixed(4)))).toEqual([0.5, 0.6, 0.75, 0.9, 1]);
    // true class b, probability of b: 0.8 0.6 0.7 0.9 1.0 0.5 (stored within 1e-5)
    const bOfB = result.groups[1]!.boxplots![1]!;
    const expected = boxplotStats([0.8, 0.6, 0.7, 0.9, 1.0, 0.5]);
    bOfB.stats.forEach((v, i) => expect(v).toBeCloseTo(expected.stats[i]!, 4));
    expect(bOfB.outliers).toBe(0);
  });

  it('falls back to the mean probabilities when no samples are stored, and says so', () => {
    const { store, runId } = setup();
    const { metrics, images } = summarise({ labels: LABELS, samples, perImage: 3, classes: ['a', 'b'] }, 1);
    store.add(runId, metrics, images); // no samples kept
    const result = classBoxplots(store, runId)!;
    expect(result.source).toBe('means');
    const aOfA = result.groups[0]!.boxplots![0]!;
    expect(aOfA.n).toBe(2);
    // the images' means of p_a: 0.8 and 0.7
    expect(aOfA.stats[0]).toBeCloseTo(0.7, 6);
    expect(aOfA.stats[4]).toBeCloseTo(0.8, 6);
  });

  it('is null before an evaluation, and a class without test images has no boxes', () => {
    const { store, runId } = setup();
    expect(classBoxplots(store, runId)).toBeNull();
    // 3 classes, no test image of class c: 2 images × T = 2 × K = 3
    const three = Float32Array.from([0.6, 0.3, 0.1, 0.5, 0.4, 0.1, 0.2, 0.7, 0.1, 0.3, 0.6, 0.1]);
    const { metrics, images } = summarise({ labels: [0, 1], samples: three, perImage: 2, classes: ['a', 'b', 'c'] }, 1);
    store.add(runId, metrics, images, three);
    const result = classBoxplots(store, runId)!;
    expect(result.groups[0]!.boxplots).toHaveLength(3);
    expect(result.groups[2]).toEqual({ trueClass: 2, name: 'c', images: 0, boxplots: null });
  });
});

describe('thinOutliers', () => {
  it('keeps every outlier up to the cap, then an even spread with both extremes', () => {
    expect(thinOutliers([3, 1, 2], 5)).toEqual([1, 2, 3]);
    const many = Array.from({ length: 1001 }, (_, i) => 1000 - i);
    const kept = thinOutliers(many, 11);
    expect(kept).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  });
});
