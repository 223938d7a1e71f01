import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, type RunConfig, type RunProgress } from '../../src/shared/contract';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { RunStore } from '../../src/main/lab/store/runs';
import { trainRun } from '../../src/main/lab/training/train';
import { syntheticDataset } from '../helpers/synthetic';

/** A tiny study: 3 classes × 10 training and 3 test images of flat colours. */
function setup(overrides: Partial<RunConfig> = {}, model: RunConfig['model'] = 'cnn') {
  const db = openDatabase(':memory:');
  const datasets = new DatasetStore(db);
  const runs = new RunStore(db);
  const { dataset } = datasets.add(syntheticDataset({ train: 10, test: 3 }));
  const config: RunConfig = {
    ...defaultRunConfig(model),
    epochs: 2,
    batchSize: 8,
    validationSplit: 'shuffled',
    ...overrides,
  };
  const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
  return { db, datasets, runs, run, dataset };
}

beforeAll(async () => {
  await initEngine();
});

describe('trainRun', () => {
  it('trains, records every epoch, keeps checkpoints and tests the best weights', async () => {
    const { runs, datasets, run } = setup();
    const progress: RunProgress[] = [];
    const statuses: string[] = [];
    const done = await trainRun({
      runs,
      datasets,
      runId: run.id,
      progressIntervalMs: 0,
      onProgress: (p) => progress.push(p),
      onUpdate: (r) => statuses.push(r.status),
    });
    expect(done.status).toBe('done');
    expect(done.params).toBe(331_331);
    expect(done.backend).toMatch(/^(wasm|tensorflow|cpu)/);
    expect(done.epochsDone).toBe(2);
    expect(done.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(done.testAccuracy).toBeLessThanOrEqual(1);
    expect(done.testLoss).toBeGreaterThan(0);
    expect(statuses[0]).toBe('running');
    expect(statuses.at(-1)).toBe('done');
    const epochs = runs.epochs(run.id);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    for (const e of epochs) {
      expect(e.valLoss).not.toBeNull();
      expect(e.imagesPerSecond).toBeGreaterThan(0);
    }
    // 24 fit images (30 less 6 validated) in batches of 8: 3 batches per epoch
    expect(progress.map((p) => `${p.epoch}.${p.batch}`)).toEqual(['1.1', '1.2', '1.3', '2.1', '2.2', '2.3']);
    expect(progress.every((p) => p.batches === 3 && p.epochs === 2)).toBe(true);
    expect(runs.checkpoint(run.id, 'last')?.epoch).toBe(2);
    const best = runs.checkpoint(run.id, 'best');
    expect(best?.epoch).toBe(done.bestEpoch);
    expect(done.bestValLoss).toBe(Math.min(...epochs.map((e) => e.valLoss ?? Infinity)));
  });

  it('leaves no tensors behind', async () => {
    const { runs, datasets, run } = setup({ epochs: 1 });
    const before = tf.memory().numTensors;
    await trainRun({ runs, datasets, runId: run.id });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops early when val_loss stops improving (patience)', async () => {
    // a learning rate far below float32 resolution: the weights, and so val_loss, never change
    const { runs, datasets, run } = setup({ epochs: 10, patience: 2, learningRate: 1e-20 });
    const done = await trainRun({ runs, datasets, runId: run.id });
    expect(done.epochsDone).toBe(3);
    expect(done.bestEpoch).toBe(1);
  });

  it('is cancelled by its signal, keeping the epochs already done', async () => {
    const { runs, datasets, run } = setup({ epochs: 3 });
    const controller = new AbortController();
    const tensors = tf.memory().numTensors;
    await expect(
      trainRun({
        runs,
        datasets,
        runId: run.id,
        signal: controller.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.epoch === 2) controller.abort();
        },
      }),
    ).rejects.toThrow('cancelled');
    expect(tf.memory().numTensors).toBe(tensors);
    const cancelled = runs.get(run.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.epochsDone).toBe(1);
    expect(runs.epochs(run.id)).toHaveLength(1);
  });

  it('resumes from the last checkpoint', async () => {
    const { runs, datasets, run } = setup({ epochs: 3 });
    const controller = new AbortController();
    await trainRun({
      runs,
      datasets,
      runId: run.id,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.epoch === 2) controller.abort();
      },
    }).catch(() => undefined);
    const first = runs.epochs(run.id)[0];
    const seen: number[] = [];
    const tensors = tf.memory().numTensors;
    const done = await trainRun({
      runs,
      datasets,
      runId: run.id,
      progressIntervalMs: 0,
      onProgress: (p) => seen.push(p.epoch),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(done.status).toBe('done');
    expect(done.epochsDone).toBe(3);
    expect(new Set(seen)).toEqual(new Set([2, 3]));
    expect(runs.epochs(run.id)[0]).toEqual(first);
  });

  it('marks the run failed with the reason when the data changed underneath it', async () => {
    const { runs, datasets, run, db } = setup();
    db.prepare("UPDATE runs SET dataset_hash = 'something else' WHERE id = ?").run(run.id);
    await expect(trainRun({ runs, datasets, runId: run.id })).rejects.toThrow(/no longer has the content/);
    expect(runs.get(run.id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/no longer has the content/),
    });
  });

  it('trains the VNN and the MC-dropout model with their own parameter counts', async () => {
    for (const [model, params] of [
      ['vnn', 230_787],
      ['mcdropout', 167_363],
    ] as const) {
      const { runs, datasets, run } = setup({ epochs: 1 }, model);
      const done = await trainRun({ runs, datasets, runId: run.id });
      expect(done.status).toBe('done');
      expect(done.params).toBe(params);
      expect(Number.isFinite(done.testLoss)).toBe(true);
    }
  });
});
