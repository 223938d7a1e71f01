import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, type Progress, type RunConfig } from '../../src/shared/contract';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { extractFeatures, featureModel } from '../../src/main/lab/features/extract';
import { computeRunFeatures } from '../../src/main/lab/features/features-run';
import { buildCnn } from '../../src/main/lab/models/cnn';
import { buildMcDropout } from '../../src/main/lab/models/mcdropout';
import { buildVnn } from '../../src/main/lab/models/vnn';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { FeatureStore } from '../../src/main/lab/store/features';
import { RunStore } from '../../src/main/lab/store/runs';
import { ImageSet } from '../../src/main/lab/training/data';
import { trainRun } from '../../src/main/lab/training/train';
import { syntheticDataset, syntheticSplit } from '../helpers/synthetic';

beforeAll(async () => {
  await initEngine();
});

const images = (n: number) =>
  new ImageSet(
    syntheticSplit(3, n, [32, 32, 3], 5).pixels,
    syntheticSplit(3, n, [32, 32, 3], 5).labels,
    [32, 32, 3],
    3,
  );

describe('featureModel', () => {
  it('takes the layer before the head: the CNN dense_2, the VNN z_mean, the MC-dropout trunk dense_1', () => {
    const cnn = buildCnn({ seed: 1 });
    const vnn = buildVnn({ seed: 1, latent: 16 });
    const mc = buildMcDropout({ seed: 1, trainingSize: 100 });
    try {
      expect([featureModel(cnn), featureModel(vnn), featureModel(mc)].map((f) => [f.layer, f.dim])).toEqual([
        ['dense_2', 128],
        ['z_mean', 16],
        ['dense_1', 128],
      ]);
    } finally {
      for (const m of [cnn, vnn, mc]) m.dispose();
    }
  });

  it('gives the same features every time for the stochastic models, as the trunk computes them', async () => {
    const mc = buildMcDropout({ seed: 2, trainingSize: 100 });
    const set = images(4);
    try {
      const tensors = tf.memory().numTensors;
      const a = await extractFeatures([mc], set, { batch: 5 });
      const b = await extractFeatures([mc], set, { batch: 7 });
      expect(tf.memory().numTensors).toBe(tensors);
      expect(a.values).toEqual(b.values);
      expect(a.values).toHaveLength(12 * 128);
      // dense_1's own output, computed directly
      const dense1 = tf.model({ inputs: mc.inputs, outputs: mc.getLayer('dense_1').output as tf.SymbolicTensor });
      const { x } = set.batch(set.range(0, 12));
      const direct = (dense1.predict(x) as tf.Tensor).dataSync();
      x.dispose();
      expect(Array.from(a.values)).toEqual(Array.from(direct));
    } finally {
      mc.dispose();
    }
  });

  it("an ensemble's rows are its members' unit rows side by side, scaled by 1/√M", async () => {
    const members = [buildCnn({ seed: 3 }), buildCnn({ seed: 4 })];
    const set = images(2);
    try {
      const both = await extractFeatures(members, set);
      const one = await extractFeatures([members[1]!], set);
      expect(both.dim).toBe(256);
      expect(both.layer).toBe('members: dense_2 ×2');
      for (let i = 0; i < set.size; i++) {
        const row = both.values.subarray(i * 256, (i + 1) * 256);
        const norm = Math.hypot(...row);
        expect(norm === 0 || Math.abs(norm - 1) < 1e-5).toBe(true);
        // the second member's half points where that member's own features do
        const own = one.values.subarray(i * 128, (i + 1) * 128);
        const ownNorm = Math.hypot(...own);
        if (ownNorm > 0) expect((row[128 + 5] ?? 0) * Math.SQRT2).toBeCloseTo((own[5] ?? 0) / ownNorm, 5);
      }
    } finally {
      for (const m of members) m.dispose();
    }
  });

  it('stops when cancelled', async () => {
    const cnn = buildCnn({ seed: 1 });
    const controller = new AbortController();
    controller.abort();
    try {
      await expect(extractFeatures([cnn], images(2), { signal: controller.signal })).rejects.toThrow(/cancelled/);
    } finally {
      cnn.dispose();
    }
  });
});

describe('computeRunFeatures', () => {
  it("stores a trained run's features of every training and test image it used", async () => {
    const db = openDatabase(':memory:');
    const datasets = new DatasetStore(db);
    const runs = new RunStore(db);
    const features = new FeatureStore(db);
    const { dataset } = datasets.add(syntheticDataset({ train: 8, test: 4 }));
    const config: RunConfig = { ...defaultRunConfig('vnn'), epochs: 1, batchSize: 8, trainLimit: 21, latent: 8 };
    const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
    await expect(computeRunFeatures({ runs, datasets, features, runId: run.id })).rejects.toThrow(
      /only a finished run can be searched for neighbours/,
    );
    await trainRun({ runs, datasets, runId: run.id });
    const progress: Progress[] = [];
    const info = await computeRunFeatures({
      runs,
      datasets,
      features,
      runId: run.id,
      onProgress: (p) => progress.push(p),
    });
    expect(info.map((i) => [i.split, i.layer, i.dim, i.count])).toEqual([
      ['test', 'z_mean', 8, 12],
      ['train', 'z_mean', 8, 21],
    ]);
    expect(progress.at(-1)).toMatchObject({ done: 33, total: 33, unit: 'images' });
    const stored = features.get(run.id, 'train');
    expect(stored?.values).toHaveLength(21 * 8);
    expect(stored?.values.some((v) => v !== 0)).toBe(true);
    db.close();
  });
});
