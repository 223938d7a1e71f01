import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, type RunConfig, type RunProgress } from '../../src/shared/contract';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { evaluateRun } from '../../src/main/lab/evaluation/evaluate-run';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { RunStore } from '../../src/main/lab/store/runs';
import { loadMembers, memberProbabilities } from '../../src/main/lab/inference/ensemble-predict';
import { ImageSet } from '../../src/main/lab/training/data';
import { trainRun } from '../../src/main/lab/training/train';
import { syntheticDataset } from '../helpers/synthetic';

/** A deep ensemble of `members` tiny CNNs on 3 classes × 10 training and 3 test images. */
function setup(overrides: Partial<RunConfig> = {}) {
  const db = openDatabase(':memory:');
  const datasets = new DatasetStore(db);
  const runs = new RunStore(db);
  const evaluations = new EvaluationStore(db);
  const { dataset } = datasets.add(syntheticDataset({ train: 10, test: 3 }));
  const config: RunConfig = {
    ...defaultRunConfig('ensemble'),
    members: 2,
    epochs: 2,
    batchSize: 8,
    validationSplit: 'shuffled',
    ...overrides,
  };
  const run = runs.createEnsemble({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
  return { db, datasets, runs, evaluations, run, dataset };
}

beforeAll(async () => {
  await initEngine();
});

describe('deep ensembles', () => {
  it('are stored as a run with one CNN run per member, each with its own seed', () => {
    const { runs, run } = setup({ members: 3, seed: 7 });
    const members = runs.members(run.id);
    expect(members.map((m) => m.config.seed)).toEqual([7, 8, 9]);
    expect(members.every((m) => m.model === 'cnn' && m.parentId === run.id && m.status === 'queued')).toBe(true);
    expect(members.map((m) => m.config.epochs)).toEqual([2, 2, 2]);
    expect(run).toMatchObject({ model: 'ensemble', parentId: null });
  });

  it('train their members one after another and test the mean of their probabilities', async () => {
    const { runs, datasets, run, dataset } = setup();
    const progress: RunProgress[] = [];
    const tensors = tf.memory().numTensors;
    const done = await trainRun({
      runs,
      datasets,
      runId: run.id,
      progressIntervalMs: 0,
      onProgress: (p) => progress.push(p),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    const members = runs.members(run.id);
    expect(members.map((m) => m.status)).toEqual(['done', 'done']);
    expect(done).toMatchObject({ status: 'done', epochsDone: 2, params: 2 * 331_331 });
    expect(done.trainSeconds).toBeCloseTo(members[0]!.trainSeconds + members[1]!.trainSeconds, 6);
    // progress names the member (its run and its place in the ensemble)
    expect(progress[0]).toMatchObject({ runId: members[0]!.id, member: { index: 1, count: 2 } });
    expect(progress.at(-1)).toMatchObject({ runId: members[1]!.id, member: { index: 2, count: 2 } });
    // the two seeds give two different models
    expect(members[0]!.testLoss).not.toBe(members[1]!.testLoss);

    // the ensemble's test accuracy is that of the mean of the members' predictions, computed here again
    const test = ImageSet.fromSplit(datasets.loadSplit(dataset.id, 'test'), dataset.imageShape, 3, null);
    const { x, y } = test.batch(test.range(0, test.size));
    const models = await loadMembers(runs, run.id);
    const expected = tf.tidy(() => {
      const mean = tf.stack(models.map((m) => m.predict(x) as tf.Tensor2D)).mean(0);
      return tf.metrics.categoricalAccuracy(y, mean).mean().dataSync()[0];
    });
    expect(done.testAccuracy).toBeCloseTo(expected!, 6);
    const stacked = memberProbabilities(models, x);
    expect(stacked.shape).toEqual([9, 2, 3]);
    tf.dispose([x, y, stacked]);
    for (const m of models) m.dispose();
  });

  it('are evaluated as a stochastic model whose samples are the members', async () => {
    const { db, runs, datasets, evaluations, run } = setup();
    await trainRun({ runs, datasets, runId: run.id });
    const metrics = await evaluateRun({ runs, datasets, evaluations, runId: run.id, samples: 500 });
    expect(metrics.samples).toBe(2);
    expect(metrics.accuracy).toBeCloseTo(runs.get(run.id).testAccuracy!, 6);
    expect(metrics.meanMutualInformation).toBeGreaterThan(0);
    const boxplots = db
      .prepare('SELECT boxplots FROM predictions WHERE evaluation_id = ? ORDER BY idx LIMIT 1')
      .pluck()
      .get(evaluations.current(run.id)!.id) as string;
    expect(JSON.parse(boxplots)).toHaveLength(3);
  });

  it('resume with the member that was cancelled, keeping the members already done', async () => {
    const { runs, datasets, run } = setup();
    const controller = new AbortController();
    let secondMember = 0;
    await expect(
      trainRun({
        runs,
        datasets,
        runId: run.id,
        signal: controller.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.member?.index === 2) {
            secondMember = p.runId;
            controller.abort();
          }
        },
      }),
    ).rejects.toThrow('cancelled');
    const [first, second] = runs.members(run.id);
    expect([runs.get(run.id).status, first!.status, second!.status]).toEqual(['cancelled', 'done', 'cancelled']);
    expect(second!.id).toBe(secondMember);
    const firstEpochs = runs.epochs(first!.id);
    const resumed: number[] = [];
    const done = await trainRun({ runs, datasets, runId: run.id, onProgress: (p) => resumed.push(p.runId) });
    expect(done.status).toBe('done');
    expect(new Set(resumed)).toEqual(new Set([second!.id]));
    expect(runs.epochs(first!.id)).toEqual(firstEpochs);
  });
});
