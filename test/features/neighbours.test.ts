import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, FindSuspectsRequest, GetNeighboursRequest } from '../../src/shared/contract';
import type { NewDataset, SplitData } from '../../src/main/lab/datasets/types';
import { initEngine } from '../../src/main/lab/engine/backend';
import { evaluateRun } from '../../src/main/lab/evaluation/evaluate-run';
import { computeRunFeatures } from '../../src/main/lab/features/features-run';
import { labelChecks, nearest, unitRows } from '../../src/main/lab/features/knn';
import { NeighbourService } from '../../src/main/lab/features/service';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { FeatureStore } from '../../src/main/lab/store/features';
import { RunStore } from '../../src/main/lab/store/runs';
import { TrainLabelCheckStore } from '../../src/main/lab/store/train-label-checks';
import { seededRandom } from '../../src/main/lab/training/random';
import { trainRun } from '../../src/main/lab/training/train';
import { syntheticDataset } from '../helpers/synthetic';

beforeAll(async () => {
  await initEngine();
});

/** n seeded random rows of dim values. */
function randomRows(n: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n * dim }, () => random() * 2 - 1);
}

/** Every row's cosine distance to row q, sorted (the reference: a plain sort of all rows). */
function bruteForce(values: Float32Array, dim: number, q: number): { index: number; distance: number }[] {
  const unit = unitRows(values, dim);
  const n = values.length / dim;
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += unit[i * dim + j]! * unit[q * dim + j]!;
    return { index: i, distance: 1 - s };
  }).sort((a, b) => a.distance - b.distance || a.index - b.index);
}

describe('nearest', () => {
  it("finds a row's k nearest by cosine, itself first at distance 0, sorted, as a full sort does", () => {
    const dim = 16;
    const values = randomRows(300, dim, 1);
    const unit = unitRows(values, dim);
    for (const q of [0, 17, 299]) {
      const found = nearest(unit, dim, unit.subarray(q * dim, (q + 1) * dim), 8);
      expect(found[0]).toEqual({ index: q, distance: 0 });
      const distances = found.map((n) => n.distance);
      expect(distances).toEqual([...distances].sort((a, b) => a - b));
      const reference = bruteForce(values, dim, q).slice(0, 8);
      expect(found.map((n) => n.index)).toEqual(reference.map((r) => r.index));
      found.forEach((n, i) => expect(n.distance).toBeCloseTo(Math.max(0, reference[i]!.distance), 5));
    }
    // scale does not matter to cosine: a row times 5 finds the same neighbours
    const scaled = unitRows(
      values.slice(17 * dim, 18 * dim).map((v) => v * 5),
      dim,
    );
    expect(nearest(unit, dim, scaled, 8).map((n) => n.index)).toEqual(
      nearest(unit, dim, unit.subarray(17 * dim, 18 * dim), 8).map((n) => n.index),
    );
    expect(nearest(unit, dim, unit.subarray(0, dim), 1000)).toHaveLength(300);
  });
});

describe('labelChecks', () => {
  it('counts the neighbours (itself left out) with another label, as a full sort does', async () => {
    const dim = 12;
    const n = 700; // more than one chunk of 512
    const values = randomRows(n, dim, 2);
    const random = seededRandom(3);
    const labels = Uint8Array.from({ length: n }, () => Math.floor(random() * 3));
    const checks = await labelChecks(unitRows(values, dim), dim, labels, { k: 8 });
    expect(checks).toHaveLength(n);
    for (const q of [0, 5, 511, 512, 699]) {
      const reference = bruteForce(values, dim, q)
        .filter((r) => r.index !== q)
        .slice(0, 8);
      const other = reference.filter((r) => labels[r.index] !== labels[q]);
      expect(checks[q]).toMatchObject({ index: q, label: labels[q], k: 8, other: other.length });
      if (other[0]) expect(checks[q]?.nearestOther).toBeCloseTo(other[0].distance, 5);
      else expect(checks[q]?.nearestOther).toBeNull();
    }
  });
});

/**
 * A dataset whose classes look different (deer: vertical stripes, frog: horizontal, truck: a
 * checkerboard, each with seeded noise and brightness), with one planted duplicate: a copy of
 * training image 0 (a deer) labelled frog, as the last training image.
 */
function patterned(perClass: number): { dataset: NewDataset; duplicate: number } {
  const shape: [number, number, number] = [32, 32, 3];
  const bytes = 32 * 32 * 3;
  const random = seededRandom(11);
  const split = (n: number, extra: number): SplitData => {
    const labels = new Uint8Array(n + extra);
    const pixels = new Uint8Array((n + extra) * bytes);
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      labels[i] = c;
      const bright = 0.6 + 0.4 * random();
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const on = c === 0 ? x % 4 < 2 : c === 1 ? y % 4 < 2 : (x >> 2) % 2 === (y >> 2) % 2;
          for (let ch = 0; ch < 3; ch++)
            pixels[i * bytes + (y * 32 + x) * 3 + ch] = Math.round((on ? 200 : 40) * bright + random() * 30);
        }
    }
    if (extra > 0) {
      pixels.copyWithin(n * bytes, 0, bytes);
      labels[n] = 1;
    }
    return { labels, pixels };
  };
  const train = split(perClass * 3, 1);
  return {
    dataset: {
      name: 'patterned',
      kind: 'cifar10',
      source: 'memory',
      sourceSha256: null,
      content: { classes: ['deer', 'frog', 'truck'], shape, train, test: split(12, 0) },
    },
    duplicate: perClass * 3,
  };
}

describe('NeighbourService', () => {
  it("finds a training image itself first, a test image's neighbours sorted, and the planted duplicate as mislabelled", async () => {
    const db = openDatabase(':memory:');
    const datasets = new DatasetStore(db);
    const runs = new RunStore(db);
    const evaluations = new EvaluationStore(db);
    const features = new FeatureStore(db);
    const checks = new TrainLabelCheckStore(db);
    const { dataset: content, duplicate } = patterned(20);
    const { dataset } = datasets.add(content);
    const config = { ...defaultRunConfig('cnn'), epochs: 1, batchSize: 16, validationFraction: 0.1 };
    const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
    await trainRun({ runs, datasets, runId: run.id });
    await evaluateRun({ runs, datasets, evaluations, runId: run.id });
    const service = new NeighbourService({ runs, datasets, evaluations, features, labelChecks: checks });
    const ask = (input: Parameters<typeof GetNeighboursRequest.parse>[0]) =>
      service.neighbours(GetNeighboursRequest.parse(input));
    expect(() => ask({ runId: run.id, index: 0 })).toThrow(/run 1 has no features yet/);

    await computeRunFeatures({ runs, datasets, features, labelChecks: checks, runId: run.id });
    for (const index of [3, 30, duplicate]) {
      const own = ask({ runId: run.id, split: 'train', index });
      const [first, ...rest] = own.neighbours;
      // itself, unless its exact duplicate (same features) comes first by index
      expect(first?.distance).toBe(0);
      expect(index === duplicate ? [0, duplicate] : [index]).toContain(first?.index);
      const distances = own.neighbours.map((n) => n.distance);
      expect(distances).toEqual([...distances].sort((a, b) => a - b));
      expect(rest.every((n) => n.split === 'train')).toBe(true);
      expect(own.predicted).toBeNull();
    }
    const test = ask({ runId: run.id, split: 'test', index: 4, k: 5 });
    expect(test.neighbours).toHaveLength(5);
    expect(test.image).toEqual({ split: 'test', index: 4, label: 1, className: 'frog' });
    expect(test.predicted).toBe(evaluations.predicted(evaluations.current(run.id)!.id, 4));
    expect(test.sentence).toMatch(/nearest training images/);
    expect(() => ask({ runId: run.id, split: 'test', index: 12 })).toThrow(/test images 0–11/);

    // the duplicate (a deer image labelled frog) sits among deer: the list finds it, not the original
    const suspects = service.suspects(FindSuspectsRequest.parse({ runs: [run.id] }));
    expect(suspects.missingRuns).toEqual([]);
    expect(suspects.entries[0]).toMatchObject({ index: duplicate, trueClass: 'frog', split: 'train' });
    expect(suspects.entries[0]?.reason).toMatch(
      /^labelled frog, but 8 of its 8 nearest training images are deer \(the nearest at distance 0\.000\) in CNN #1$/,
    );
    expect(suspects.entries.map((e) => e.index)).not.toContain(0);
    // the duplicate's own view says so too
    expect(ask({ runId: run.id, split: 'train', index: duplicate }).sentence).toMatch(
      /^Labelled frog, but looks like the deer around it/,
    );
    db.close();
  });

  it('measures distances from the training mean: what sets images apart, not how strongly they activate', () => {
    const db = openDatabase(':memory:');
    const datasets = new DatasetStore(db);
    const runs = new RunStore(db);
    const features = new FeatureStore(db);
    const { dataset } = datasets.add(syntheticDataset({ train: 2, test: 1 }));
    const run = runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('cnn'),
    });
    runs.setStatus(run.id, 'done');
    // all rows point nearly the same way (as ReLU features do); the test row is small and a little up.
    // Raw cosine: nearest is train 1 (10, 1); from the mean (9.75, 0.125): train 3 (9, 0.5), the
    // one that sits apart from the rest the way the test row does.
    features.putAll(run.id, [
      { split: 'train', dim: 2, values: Float32Array.from([10, 0, 10, 1, 10, -1, 9, 0.5]), layer: 'dense_2' },
      { split: 'test', dim: 2, values: Float32Array.from([1, 0.2]), layer: 'dense_2' },
    ]);
    const service = new NeighbourService({
      runs,
      datasets,
      evaluations: new EvaluationStore(db),
      features,
      labelChecks: new TrainLabelCheckStore(db),
    });
    const found = service.neighbours(GetNeighboursRequest.parse({ runId: run.id, index: 0, k: 4 }));
    expect(found.neighbours[0]?.index).toBe(3);
    const raw = nearest(
      unitRows(Float32Array.from([10, 0, 10, 1, 10, -1, 9, 0.5]), 2),
      2,
      unitRows(Float32Array.from([1, 0.2]), 2),
      1,
    );
    expect(raw[0]?.index).toBe(1);
    db.close();
  });
});
