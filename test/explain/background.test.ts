// The background test: the fills touch only their region, the verdict's arithmetic, and the
// issue's check — a hand-built model that reads only the border is flagged on every image, one
// that reads only the centre on none — then the job on a tiny trained run, stored and read back.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { ringMask } from '../../src/shared/heatmap';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { evaluateRun } from '../../src/main/lab/evaluation/evaluate-run';
import { backgroundRegions, backgroundVerdict, blurImage, replaceRegion } from '../../src/main/lab/explain/background';
import { backgroundTestRun, testBatch } from '../../src/main/lab/explain/background-run';
import { runSampler } from '../../src/main/lab/inference/sampler';
import { BackgroundStore } from '../../src/main/lab/store/background';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { RunStore } from '../../src/main/lab/store/runs';
import { trainRun } from '../../src/main/lab/training/train';
import { syntheticDataset } from '../helpers/synthetic';

beforeAll(async () => {
  await initEngine();
});

const shape = [32, 32, 3] as const;
const SIZE = 32 * 32 * 3;

/**
 * n images, alternating two classes: class 0 a red ring around a green centre, class 1 a green
 * ring around a red centre, each with a little seeded texture.
 */
function ringImages(n: number): { pixels: Float32Array; labels: number[] } {
  const ring = ringMask(32, 32);
  const pixels = new Float32Array(n * SIZE);
  let state = 7;
  const noise = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * 0.2;
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  labels.forEach((label, i) => {
    for (let p = 0; p < 1024; p++) {
      const red = (ring[p] === 1) === (label === 0);
      pixels[i * SIZE + p * 3] = (red ? 0.8 : 0) + noise();
      pixels[i * SIZE + p * 3 + 1] = (red ? 0 : 0.8) + noise();
      pixels[i * SIZE + p * 3 + 2] = noise();
    }
  });
  return { pixels, labels };
}

/**
 * 32 × 32 × 3 → flatten → dense to 2 classes, softmax, with weights only on the pixels of
 * `region`: class 0's logit is the region's mean of (red − green) × 20, class 1's its negative.
 * It reads nothing else.
 */
function regionReader(region: Uint8Array): tf.LayersModel {
  const input = tf.input({ shape: [...shape] });
  const dense = tf.layers.dense({ units: 2, activation: 'softmax' });
  const output = dense.apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  const count = region.reduce((a, b) => a + b, 0);
  const kernel = new Float32Array(SIZE * 2);
  for (let p = 0; p < 1024; p++) {
    if (!region[p]) continue;
    const a = 10 / count;
    kernel.set([a, -a], p * 3 * 2); // red
    kernel.set([-a, a], (p * 3 + 1) * 2); // green
  }
  dense.setWeights([tf.tensor2d(kernel, [SIZE, 2]), tf.zeros([2])]);
  return model;
}

describe('the fills', () => {
  it('replace only the ring (the background share’s ring) or only the centre', () => {
    const { pixels } = ringImages(2);
    const { ring, centre } = backgroundRegions(32, 32);
    expect(ring).toEqual(ringMask(32, 32));
    expect(ring.reduce((a, b) => a + b, 0)).toBe(240);
    for (const [region, fill] of [
      [ring, 'blur'],
      [ring, 'mean'],
      [centre, 'blur'],
      [centre, 'mean'],
    ] as const) {
      const out = replaceRegion(pixels, shape, region, fill);
      let changed = 0;
      for (let i = 0; i < 2; i++)
        for (let p = 0; p < 1024; p++)
          for (let c = 0; c < 3; c++) {
            const k = i * SIZE + p * 3 + c;
            if (region[p]) changed += out[k] !== pixels[k] ? 1 : 0;
            else expect(out[k]).toBe(pixels[k]);
          }
      expect(changed).toBeGreaterThan(0.9 * 2 * 3 * region.reduce((a, b) => a + b, 0));
    }
    // the mean fill is the image's per-channel mean over all its pixels
    const mean = replaceRegion(pixels, shape, ring, 'mean');
    const red = Array.from({ length: 1024 }, (_, p) => pixels[p * 3]!).reduce((a, b) => a + b, 0) / 1024;
    expect(mean[0]).toBeCloseTo(red, 5);
  });

  it('blur keeps a flat image flat and spreads a point by a normalised kernel', () => {
    const flat = new Float32Array(SIZE).fill(0.4);
    for (const v of blurImage(flat, shape, 2)) expect(v).toBeCloseTo(0.4, 6);
    const point = new Float32Array(SIZE);
    point[(16 * 32 + 16) * 3] = 1;
    const spread = blurImage(point, shape, 2);
    expect(spread.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(spread[(16 * 32 + 16) * 3]).toBeLessThan(0.1);
    expect(spread[(16 * 32 + 18) * 3]).toBeGreaterThan(0);
  });
});

describe('the verdict', () => {
  it('scores the larger drop of the predicted class and flips only when the unchanged image keeps it', () => {
    const v = backgroundVerdict(
      0,
      [0.9, 0.1],
      [
        [0.6, 0.4],
        [0.3, 0.7],
        [0.95, 0.05],
        [0.8, 0.2],
      ],
    );
    expect(v.dependence).toBeCloseTo(0.6, 10);
    expect(v.centreDependence).toBeCloseTo(0.1, 10);
    expect(v).toMatchObject({ flips: true, flippedTo: 1, base: 0.9 });
    const rises = backgroundVerdict(
      0,
      [0.6, 0.4],
      [
        [0.7, 0.3],
        [0.8, 0.2],
        [0.7, 0.3],
        [0.7, 0.3],
      ],
    );
    expect(rises).toMatchObject({ dependence: 0, centreDependence: 0, flips: false, flippedTo: null });
    // the class followed is not the unchanged image's (a stochastic run near a tie): no flip
    const already = backgroundVerdict(
      0,
      [0.45, 0.55],
      [
        [0.2, 0.8],
        [0.2, 0.8],
        [0.5, 0.5],
        [0.5, 0.5],
      ],
    );
    expect(already.flips).toBe(false);
    expect(already.dependence).toBeCloseTo(0.25, 10);
  });
});

describe('the background test of hand-built models', () => {
  const n = 8;
  const { pixels, labels } = ringImages(n);
  const { ring, centre } = backgroundRegions(32, 32);

  it('flags every image for a model that reads only the border', async () => {
    const model = regionReader(ring);
    const sampler = runSampler([model]);
    // the model is right on every image (it reads the ring's colour)
    const tested = await testBatch({ sampler, classes: 2, shape, pixels, labels, predicted: labels, seed: 1 });
    expect(tested.map((t) => t.flips)).toEqual(new Array(n).fill(true));
    expect(tested.map((t) => t.flippedTo)).toEqual(labels.map((l) => 1 - l));
    for (const t of tested) {
      expect(t.dependence).toBeGreaterThan(0.9);
      expect(t.centreDependence).toBe(0); // the centre changes nothing it reads
    }
    model.dispose();
  });

  it('flags none for a model that reads only the centre', async () => {
    const model = regionReader(centre);
    const tensors = tf.memory().numTensors;
    const tested = await testBatch({
      sampler: runSampler([model]),
      classes: 2,
      shape,
      pixels,
      labels: labels,
      predicted: labels.map((l) => 1 - l), // the centre's colour is the other class's ring colour
      seed: 1,
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tested.map((t) => t.flips)).toEqual(new Array(n).fill(false));
    for (const t of tested) {
      expect(t.dependence).toBe(0);
      expect(t.probabilities[1]).toEqual(t.probabilities[0]); // background blurred: the same prediction
      expect(t.centreDependence).toBeGreaterThan(t.dependence); // its fills do change what it reads
    }
    model.dispose();
  });
});

describe('the background test job', () => {
  it('tests every test image of a run against its current evaluation, stores it and reads it back', async () => {
    const db = openDatabase(':memory:');
    const datasets = new DatasetStore(db);
    const runs = new RunStore(db);
    const evaluations = new EvaluationStore(db);
    const background = new BackgroundStore(db);
    const { dataset } = datasets.add(syntheticDataset({ train: 8, test: 4 }));
    const config = { ...defaultRunConfig('mcdropout'), epochs: 1, batchSize: 8 };
    const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
    await trainRun({ runs, datasets, runId: run.id });
    await expect(backgroundTestRun({ runs, datasets, evaluations, background, runId: run.id })).rejects.toThrow(
      /has no evaluation; evaluate it first/,
    );
    await evaluateRun({ runs, datasets, evaluations, runId: run.id, samples: 10 });
    const progress: number[] = [];
    const summary = await backgroundTestRun({
      runs,
      datasets,
      evaluations,
      background,
      runId: run.id,
      samples: 20,
      onProgress: (p) => progress.push(p.done),
    });
    expect(progress.at(-1)).toBe(12);
    expect(summary).toMatchObject({ samples: 20, images: 12, ringArea: 0.25, blurSigma: 2 });
    expect(summary.evaluationId).toBe(evaluations.current(run.id)!.id);
    const current = background.current(run.id)!;
    expect(current.summary).toEqual(summary);
    const page = background.images(current.id, { order: 'dependence', offset: 0, limit: 100 });
    expect(page.total).toBe(12);
    const predictions = evaluations.predictions(summary.evaluationId);
    for (const image of page.items) {
      expect(image.predicted).toBe(predictions[image.index]!.predicted);
      expect(image.variants).toHaveLength(4);
      expect(image.dependence).toBeCloseTo(
        Math.max(0, image.base - Math.min(image.variants[0]!, image.variants[1]!)),
        5,
      );
    }
    const dependence = page.items.map((i) => i.dependence);
    expect(dependence).toEqual([...dependence].sort((a, b) => b - a));
    expect(summary.meanDependence).toBeCloseTo(dependence.reduce((a, b) => a + b, 0) / 12, 5);
    expect(summary.flips).toBe(page.items.filter((i) => i.flips).length);
    // the same run tested again: the same numbers (the noise is seeded by the run)
    const again = await backgroundTestRun({ runs, datasets, evaluations, background, runId: run.id, samples: 20 });
    expect(again.meanDependence).toBe(summary.meanDependence);
    // a newer evaluation: the older evaluation's test is no longer the run's current one
    await evaluateRun({ runs, datasets, evaluations, runId: run.id, samples: 10 });
    expect(background.current(run.id)).toBeNull();
    db.close();
  });

  it("reads a deterministic model's unchanged prediction from its evaluation", async () => {
    const db = openDatabase(':memory:');
    const datasets = new DatasetStore(db);
    const runs = new RunStore(db);
    const evaluations = new EvaluationStore(db);
    const background = new BackgroundStore(db);
    const { dataset } = datasets.add(syntheticDataset({ train: 8, test: 2 }));
    const config = { ...defaultRunConfig('cnn'), epochs: 1, batchSize: 8 };
    const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
    await trainRun({ runs, datasets, runId: run.id });
    await evaluateRun({ runs, datasets, evaluations, runId: run.id });
    const summary = await backgroundTestRun({ runs, datasets, evaluations, background, runId: run.id });
    expect(summary.samples).toBe(1);
    const predictions = evaluations.predictions(summary.evaluationId);
    const { items } = background.images(background.current(run.id)!.id, { order: 'index', offset: 0, limit: 10 });
    for (const image of items) {
      const stored = predictions[image.index]!;
      expect(image.base).toBeCloseTo(stored.probabilities[stored.predicted]!, 5);
      expect(image.dependence).toBeCloseTo(
        Math.max(0, image.base - Math.min(image.variants[0]!, image.variants[1]!)),
        5,
      );
    }
    db.close();
  });
});
