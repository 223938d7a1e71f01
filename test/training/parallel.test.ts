// Two-thread data-parallel training (lab/training/parallel.ts) against `trainOnBatch`. The
// thread runs the TypeScript sources through Vite's module runner (scripts/dev-thread.mjs), as
// there is no built out/main/train-thread.js under vitest.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultRunConfig, type RunConfig } from '../../src/shared/contract';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { readWeights, writeWeights } from '../../src/main/lab/engine/gradients';
import { samplingLayer } from '../../src/main/lab/models/vnn';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { RunStore } from '../../src/main/lab/store/runs';
import { buildModel } from '../../src/main/lab/training/models';
import {
  chooseTrainingThreads,
  DataParallel,
  defaultThreadEntry,
  ShardBalance,
  ThreadTrial,
  TRAINING_LOSS,
  type ModelRecipe,
} from '../../src/main/lab/training/parallel';
import { trainRun } from '../../src/main/lab/training/train';
import { labelledBatch, syntheticDataset } from '../helpers/synthetic';

const ENTRY = new URL('../../scripts/dev-thread.mjs', import.meta.url);

beforeAll(async () => {
  await initEngine({ prefer: 'wasm' });
});

afterAll(() => {
  expect(DataParallel.live).toBe(0);
});

function recipe(model: RunConfig['model'], overrides: Partial<RunConfig> = {}, trainingSize = 50): ModelRecipe {
  return {
    config: { ...defaultRunConfig(model), seed: 3, ...overrides },
    data: { inputShape: [32, 32, 3], classes: 3, trainingSize },
  };
}

/**
 * Compiled as train.ts does, except for Adam's ε: at its default (1e-7) a weight whose gradient
 * is float32 rounding noise (|g| ≈ 1e-7 where the largest is 0.1, e.g. a unit that hardly fires)
 * moves by anything up to the learning rate depending on that noise, so summing the gradient in
 * two shards instead of one moved such weights up to 1.4e-5 apart (lr 1e-3) while the losses
 * agreed to 1e-7. With ε = 1e-4 the comparison is of the gradients, not of rounding noise.
 */
function compiled(r: ModelRecipe, epsilon = 1e-4): tf.LayersModel {
  const model = buildModel(r.config, r.data);
  model.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, epsilon), loss: TRAINING_LOSS, metrics: ['accuracy'] });
  return model;
}

const batch = labelledBatch;

function maxDifference(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return d;
}

/**
 * Trains a replica pair: `parallel` steps on one model, `trainOnBatch` on a copy of it; both must
 * report the same loss and accuracy and end with the same weights.
 */
async function compareWithTrainOnBatch(r: ModelRecipe, prepare?: (model: tf.LayersModel) => void): Promise<void> {
  const model = compiled(r);
  const reference = compiled(r);
  prepare?.(model);
  prepare?.(reference);
  writeWeights(reference, readWeights(model));
  const parallel = await DataParallel.start(model, r, { entry: ENTRY, maxBatch: 8 });
  // as if the thread were much the faster: it takes 4 of 7 rows at first, then what the timings say
  parallel.balance?.record(1, 10, 4, 1);
  expect(parallel.balance?.theirRows(7)).toBe(4);
  try {
    // unequal shards must still give the full batch's step
    for (const [n, seed] of [
      [7, 1],
      [8, 2],
      [7, 3],
    ] as const) {
      const { x, y } = batch(n, seed);
      const tensors = tf.memory().numTensors;
      const got = await parallel.step(x, y);
      // the first step creates Adam's slots; after it, no step leaves tensors behind
      if (seed > 1) expect(tf.memory().numTensors).toBe(tensors);
      const [loss, accuracy] = (await reference.trainOnBatch(x, y)) as number[];
      tf.dispose([x, y]);
      expect(Math.abs(got.loss - loss!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(loss!)));
      expect(got.accuracy).toBeCloseTo(accuracy!, 6);
      expect(maxDifference(readWeights(model), readWeights(reference))).toBeLessThan(1e-6);
    }
  } finally {
    await parallel.dispose();
    model.dispose();
    reference.dispose();
  }
}

describe('chooseTrainingThreads', () => {
  it('uses two threads on wasm with two cores, else one; the environment overrides', () => {
    expect(chooseTrainingThreads('wasm', {}, 2).threads).toBe(2);
    expect(chooseTrainingThreads('wasm', {}, 1).threads).toBe(1);
    expect(chooseTrainingThreads('tensorflow', {}, 8).threads).toBe(1);
    expect(chooseTrainingThreads('cpu', {}, 8).threads).toBe(1);
    expect(chooseTrainingThreads('wasm', { CASEBOOK_TRAIN_THREADS: '1' }, 8).threads).toBe(1);
    expect(chooseTrainingThreads('tensorflow', { CASEBOOK_TRAIN_THREADS: '2' }, 1).threads).toBe(2);
    expect(chooseTrainingThreads('wasm', { CASEBOOK_TRAIN_THREADS: 'x' }, 2)).toMatchObject({
      threads: 2,
      reason: expect.stringContaining('ignoring CASEBOOK_TRAIN_THREADS=x'),
    });
  });

  it('asks for a trial of both modes only when two threads are not forced', () => {
    expect(chooseTrainingThreads('wasm', {}, 2).trial).toBe(true);
    expect(chooseTrainingThreads('wasm', { CASEBOOK_TRAIN_THREADS: '2' }, 2).trial).toBe(false);
    expect(chooseTrainingThreads('wasm', {}, 1).trial).toBe(false);
  });

  it('finds no built thread entry next to the TypeScript sources', () => {
    expect(defaultThreadEntry()).toBeUndefined();
  });
});

describe('ShardBalance', () => {
  it('starts with halves and moves the split towards equal times, within bounds', () => {
    const balance = new ShardBalance(0.5, [0.2, 0.8]);
    expect(balance.theirRows(256)).toBe(128);
    expect(balance.theirRows(7)).toBe(4);
    // the thread took twice as long for its half: it should take a third of the batch
    balance.record(128, 100, 128, 200);
    expect(balance.share).toBeCloseTo(0.5 + 0.5 * (1 / 3 - 0.5), 10);
    for (let i = 0; i < 30; i++) balance.record(128, 100, 128, 200);
    expect(balance.share).toBeCloseTo(1 / 3, 6);
    expect(balance.theirRows(300)).toBe(100);
    // a stalled thread: never less than the lower bound, and one row on each side at least
    for (let i = 0; i < 30; i++) balance.record(100, 10, 100, 10_000);
    expect(balance.share).toBe(0.2);
    expect(balance.theirRows(2)).toBe(1);
    expect(balance.theirRows(1)).toBe(0);
    // nonsense timings change nothing
    balance.record(0, 10, 10, 10);
    balance.record(10, Number.NaN, 10, 10);
    expect(balance.share).toBe(0.2);
  });
});

describe('ThreadTrial', () => {
  /** Runs a trial where a step of n images takes `ms[threads]` per image. */
  function settle(ms: Record<1 | 2, number>, perMode = 3) {
    const trial = new ThreadTrial(perMode);
    const modes: number[] = [];
    while (trial.decision === undefined && modes.length < 100) {
      const mode = trial.next();
      modes.push(mode);
      trial.record(mode, ms[mode] * 10 + (modes.length <= 2 ? 1000 : 0), 10);
    }
    return { trial, modes };
  }

  it('alternates the modes, leaves the first two steps of each untimed, and keeps the faster', () => {
    const two = settle({ 1: 5, 2: 3 });
    expect(two.modes).toEqual([2, 1, 2, 1, 2, 1, 2, 1, 2, 1]);
    expect(two.trial.decision).toEqual({ threads: 2, msPerImage: { 1: 5, 2: 3 } });
    expect(two.trial.next()).toBe(2);
    const one = settle({ 1: 4, 2: 4.5 });
    expect(one.trial.decision?.threads).toBe(1);
    expect(one.trial.next()).toBe(1);
  });

  it('keeps two threads on a near tie: one thread must be faster by more than the margin', () => {
    expect(settle({ 1: 4, 2: 4.3 }).trial.decision?.threads).toBe(2);
    expect(settle({ 1: 4, 2: 4 }).trial.decision?.threads).toBe(2);
    expect(settle({ 1: 4, 2: 4.6 }).trial.decision?.threads).toBe(1);
  });

  it('takes the median, so one step slowed by other work does not decide', () => {
    const trial = new ThreadTrial(3, 1);
    const steps: [1 | 2, number][] = [
      [2, 99],
      [1, 99],
      [2, 3],
      [1, 5],
      [2, 40],
      [1, 5],
      [2, 3],
      [1, 5],
    ];
    for (const [mode, ms] of steps) {
      expect(trial.next()).toBe(mode);
      trial.record(mode, ms, 1);
    }
    expect(trial.decision?.threads).toBe(2);
  });
});

describe('DataParallel', () => {
  it('takes the same steps as trainOnBatch: CNN without dropout', async () => {
    await compareWithTrainOnBatch(recipe('cnn', { dropout: 0 }));
  });

  it('counts the MC-dropout L2 terms once, as trainOnBatch does', async () => {
    // keep_prob 1 (no dropout) and a small N, so that the L2 terms weigh in the loss
    await compareWithTrainOnBatch(recipe('mcdropout', { dropout: 0 }, 20));
  });

  it("counts the VNN's KL term as trainOnBatch does", async () => {
    // log σ² = −40 everywhere: σ ≈ 2e-9, so ε (drawn independently per thread) does not matter,
    // while the KL term (≈ 19.5 per latent dimension) dominates the loss
    await compareWithTrainOnBatch(recipe('vnn'), (model) => {
      const layer = model.getLayer('z_log_var');
      // getWeights hands out the variables themselves: not to be disposed
      const [kernel, bias] = layer.getWeights();
      const values = [tf.zerosLike(kernel!), tf.fill(bias!.shape, -40)];
      layer.setWeights(values);
      tf.dispose(values);
      expect(samplingLayer(model)).toBeDefined();
    });
  });

  it('takes the same steps where the host forbids blocking a thread (Atomics.wait throws)', async () => {
    const wait = vi.spyOn(Atomics, 'wait').mockImplementation(() => {
      throw new TypeError('Atomics.wait cannot be called in this context');
    });
    try {
      await compareWithTrainOnBatch(recipe('cnn', { dropout: 0 }));
      expect(wait).toHaveBeenCalled();
    } finally {
      wait.mockRestore();
    }
  });

  it('draws dropout masks independently on the two shards, and ends its thread', async () => {
    const r = recipe('cnn', { dropout: 0.5 });
    const model = compiled(r);
    const before = DataParallel.live;
    // in halves: the test needs the same images on both sides
    const parallel = await DataParallel.start(model, r, { entry: ENTRY, maxBatch: 8, balance: false });
    expect(DataParallel.live).toBe(before + 1);
    try {
      // the same 4 images in both halves: equal shard losses would mean equal masks
      const { x: half, y: labels } = batch(4, 5);
      const x = tf.concat([half, half]);
      const y = tf.concat([labels, labels]);
      const different: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        await parallel.step(x, y);
        const [ours, theirs] = parallel.lastShardLosses;
        expect(Number.isFinite(ours) && Number.isFinite(theirs)).toBe(true);
        different.push(ours !== theirs);
      }
      expect(different).toEqual([true, true, true]);
      tf.dispose([half, labels, x, y]);
    } finally {
      await parallel.dispose();
      model.dispose();
    }
    expect(DataParallel.live).toBe(before);
  });

  it('rejects, with no thread left, when the thread cannot start', async () => {
    const r = recipe('cnn');
    const model = compiled(r);
    const before = DataParallel.live;
    try {
      await expect(
        DataParallel.start(model, r, { entry: new URL('data:text/javascript,throw new Error("no")'), maxBatch: 8 }),
      ).rejects.toThrow(/training thread/);
      await expect(DataParallel.start(model, r, { maxBatch: 8 })).rejects.toThrow(/running from sources/);
    } finally {
      model.dispose();
    }
    expect(DataParallel.live).toBe(before);
  });
});

describe('trainRun on two threads', () => {
  function setup(overrides: Partial<RunConfig> = {}, train = 10) {
    const db = openDatabase(':memory:');
    const datasets = new DatasetStore(db);
    const runs = new RunStore(db);
    const { dataset } = datasets.add(syntheticDataset({ train, test: 3 }));
    const config: RunConfig = {
      ...defaultRunConfig('cnn'),
      epochs: 2,
      batchSize: 8,
      validationSplit: 'shuffled',
      ...overrides,
    };
    const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
    return { runs, datasets, run };
  }
  const env = { CASEBOOK_TRAIN_THREADS: '2' };

  it('trains with the thread, says so, and ends it with no tensors left behind', async () => {
    const { runs, datasets, run } = setup();
    const tensors = tf.memory().numTensors;
    const logged: string[] = [];
    const done = await trainRun({ runs, datasets, runId: run.id, env, threadEntry: ENTRY, log: (m) => logged.push(m) });
    expect(logged).toEqual([]);
    expect(done.status).toBe('done');
    expect(done.backend).toMatch(/^wasm \(.*\), 2 training threads$/);
    expect(runs.epochs(run.id).map((e) => Number.isFinite(e.loss) && e.accuracy >= 0 && e.accuracy <= 1)).toEqual([
      true,
      true,
    ]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(DataParallel.live).toBe(0);
  });

  it('unless forced, times both modes in the first steps and keeps the faster', async () => {
    // 40 training images (32 after validation) in batches of 2: 16 steps, the trial takes 12
    const { runs, datasets, run } = setup({ epochs: 1, batchSize: 2 }, 40);
    const logged: string[] = [];
    const tensors = tf.memory().numTensors;
    const done = await trainRun({
      runs,
      datasets,
      runId: run.id,
      env: {},
      threadEntry: ENTRY,
      log: (m) => logged.push(m),
    });
    expect(done.status).toBe('done');
    expect(logged).toEqual([
      expect.stringMatching(/^run \d+: (one thread|two threads) from epoch 1, batch 13 \(measured [\d.]+ ms per image/),
    ]);
    const threads = logged[0]?.includes('two threads') ? 2 : 1;
    expect(done.backend).toMatch(threads === 2 ? /, 2 training threads$/ : /, 1 training thread$/);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(DataParallel.live).toBe(0);
  });

  it('ends the thread when cancelled', async () => {
    const { runs, datasets, run } = setup({ epochs: 3 });
    const controller = new AbortController();
    const tensors = tf.memory().numTensors;
    await expect(
      trainRun({
        runs,
        datasets,
        runId: run.id,
        env,
        threadEntry: ENTRY,
        signal: controller.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.batch === 2) controller.abort();
        },
      }),
    ).rejects.toThrow('cancelled');
    expect(runs.get(run.id).status).toBe('cancelled');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(DataParallel.live).toBe(0);
  });

  it('falls back to one thread, with the reason logged, when the thread does not start', async () => {
    const { runs, datasets, run } = setup({ epochs: 1 });
    const logged: string[] = [];
    const done = await trainRun({
      runs,
      datasets,
      runId: run.id,
      env,
      threadEntry: new URL('data:text/javascript,throw new Error("broken")'),
      log: (m) => logged.push(m),
    });
    expect(done.status).toBe('done');
    expect(done.backend).toMatch(/, 1 training thread$/);
    expect(logged).toEqual([expect.stringMatching(/training on one thread: .*broken/)]);
    expect(DataParallel.live).toBe(0);
  });

  // stand-in threads that start but fail every step: by an error on the thread's own port, by an
  // error answer on the steps port (as the real thread answers), or by exiting without an answer
  const failures = [
    {
      how: 'an error message',
      reason: 'out of memory',
      source: `import { parentPort } from 'node:worker_threads';
      parentPort.on('message', (m) => parentPort.postMessage(
        m.kind === 'init' ? { kind: 'ready' } : m.kind === 'stop' ? { kind: 'stopped' } : { kind: 'error', message: 'out of memory' }));`,
    },
    {
      how: 'an error answer',
      reason: 'bad shard',
      source: `import { parentPort } from 'node:worker_threads';
      let init;
      parentPort.on('message', (m) => {
        if (m.kind === 'init') { init = m.init; parentPort.postMessage({ kind: 'ready' }); }
        else if (m.kind === 'stop') parentPort.postMessage({ kind: 'stopped' });
        else {
          init.steps.postMessage({ kind: 'error', message: 'bad shard' });
          const answered = new Int32Array(init.answered);
          Atomics.add(answered, 0, 1);
          Atomics.notify(answered, 0);
        }
      });`,
    },
    {
      how: 'exiting',
      reason: 'exited \\(code 3\\)',
      source: `import { parentPort } from 'node:worker_threads';
      parentPort.on('message', (m) => m.kind === 'init' ? parentPort.postMessage({ kind: 'ready' }) : process.exit(3));`,
    },
  ];
  it.each(failures)('goes on on one thread when the thread fails during a step by $how', async ({ reason, source }) => {
    const failing = source;
    const { runs, datasets, run } = setup({ epochs: 1 });
    const logged: string[] = [];
    const tensors = tf.memory().numTensors;
    const done = await trainRun({
      runs,
      datasets,
      runId: run.id,
      env,
      threadEntry: new URL(`data:text/javascript,${encodeURIComponent(failing)}`),
      log: (m) => logged.push(m),
    });
    expect(done.status).toBe('done');
    expect(logged).toEqual([
      expect.stringMatching(new RegExp(`training on one thread from epoch 1, batch 1: .*${reason}`)),
    ]);
    expect(runs.epochs(run.id)).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(DataParallel.live).toBe(0);
  });

  it('trains on one thread when CASEBOOK_TRAIN_THREADS=1', async () => {
    const { runs, datasets, run } = setup({ epochs: 1 });
    const done = await trainRun({
      runs,
      datasets,
      runId: run.id,
      env: { CASEBOOK_TRAIN_THREADS: '1' },
      threadEntry: ENTRY,
    });
    expect(done.backend).toMatch(/, 1 training thread$/);
  });
});
