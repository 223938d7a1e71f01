import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, type Progress, type RunConfig } from '../../src/shared/contract';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { evaluateRun } from '../../src/main/lab/evaluation/evaluate-run';
import { classBoxplots, type BoxplotStats } from '../../src/main/lab/evaluation/uncertainty';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { RunStore } from '../../src/main/lab/store/runs';
import { trainRun } from '../../src/main/lab/training/train';
import { syntheticDataset } from '../helpers/synthetic';

async function trained(model: RunConfig['model']) {
  const db = openDatabase(':memory:');
  const datasets = new DatasetStore(db);
  const runs = new RunStore(db);
  const evaluations = new EvaluationStore(db);
  const { dataset } = datasets.add(syntheticDataset({ train: 8, test: 4 }));
  const config: RunConfig = { ...defaultRunConfig(model), epochs: 1, batchSize: 8 };
  const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
  await trainRun({ runs, datasets, runId: run.id });
  return { db, datasets, runs, evaluations, runId: run.id };
}

beforeAll(async () => {
  await initEngine();
});

describe('evaluateRun', () => {
  it('evaluates a deterministic model with one prediction per image', async () => {
    const { runs, datasets, evaluations, runId } = await trained('cnn');
    const progress: Progress[] = [];
    const metrics = await evaluateRun({ runs, datasets, evaluations, runId, onProgress: (p) => progress.push(p) });
    expect(metrics).toMatchObject({ images: 12, samples: 1, meanMutualInformation: null });
    // the evaluation's accuracy is the test accuracy the trainer measured with the same weights
    expect(metrics.accuracy).toBeCloseTo(runs.get(runId).testAccuracy ?? NaN, 6);
    expect(metrics.aucHandTill).toBeGreaterThanOrEqual(0);
    expect(metrics.aucHandTill).toBeLessThanOrEqual(1);
    expect(evaluations.current(runId)?.metrics).toEqual(metrics);
    expect(progress.at(-1)).toMatchObject({ done: 12, total: 12, unit: 'images' });
  });

  it('samples a stochastic model T times per image and leaks no tensors', async () => {
    const { runs, datasets, evaluations, runId } = await trained('mcdropout');
    const before = tf.memory().numTensors;
    const metrics = await evaluateRun({ runs, datasets, evaluations, runId, samples: 50 });
    expect(tf.memory().numTensors).toBe(before);
    expect(metrics.samples).toBe(50);
    expect(metrics.meanMutualInformation).toBeGreaterThan(0);
    expect(metrics.convergence.map((c) => c.samples)).toEqual([10, 30]);
    // the noise is seeded by the run: a second evaluation gives the same numbers
    const again = await evaluateRun({ runs, datasets, evaluations, runId, samples: 50 });
    expect({ ...again, seconds: 0 }).toEqual({ ...metrics, seconds: 0 });
  });

  it('stores the samples behind the boxplots of a stochastic run: the boxplots recomputed from them match', async () => {
    const { db, runs, datasets, evaluations, runId } = await trained('vnn');
    const metrics = await evaluateRun({ runs, datasets, evaluations, runId, samples: 200 });
    const current = evaluations.current(runId)!;
    const stored = db
      .prepare<[number], { idx: number; boxplots: string }>(
        'SELECT idx, boxplots FROM predictions WHERE evaluation_id = ? ORDER BY idx',
      )
      .all(current.id);
    expect(stored).toHaveLength(metrics.images);
    for (const { idx, boxplots } of stored) {
      const samples = evaluations.samples(current.id, idx);
      expect(samples).toMatchObject({ samples: 200, classes: 3 });
      const recomputed = classBoxplots(samples!.values, samples!.classes);
      const expected = JSON.parse(boxplots) as BoxplotStats[];
      recomputed.forEach((box, k) => {
        const want = expected[k]!;
        [...box.stats, ...box.conf].forEach((v, j) =>
          expect(Math.abs(v - [...want.stats, ...want.conf][j]!)).toBeLessThanOrEqual(1e-4),
        );
        expect(box.n).toBe(want.n);
        expect(box.out).toHaveLength(want.out.length);
        box.out.forEach((v, j) => expect(Math.abs(v - want.out[j]!)).toBeLessThanOrEqual(1e-4));
      });
    }
    // re-evaluating keeps the older evaluation's predictions but not its samples
    await evaluateRun({ runs, datasets, evaluations, runId, samples: 20 });
    expect(evaluations.samples(current.id, 0)).toBeNull();
    expect(evaluations.predictionCount(current.id)).toBe(metrics.images);
    expect(evaluations.samples(evaluations.current(runId)!.id, 0)).toMatchObject({ samples: 20, classes: 3 });
  });

  it('stores no samples for a deterministic run', async () => {
    const { db, runs, datasets, evaluations, runId } = await trained('cnn');
    await evaluateRun({ runs, datasets, evaluations, runId });
    expect(evaluations.predictionCount(evaluations.current(runId)!.id)).toBe(12);
    expect(db.prepare('SELECT count(*) FROM evaluation_samples').pluck().get()).toBe(0);
  });

  it('refuses a run that has not finished', async () => {
    const { runs, datasets, evaluations, runId, db } = await trained('vnn');
    db.prepare("UPDATE runs SET status = 'failed' WHERE id = ?").run(runId);
    await expect(evaluateRun({ runs, datasets, evaluations, runId })).rejects.toThrow(
      `run ${runId} is failed; only a finished run can be evaluated`,
    );
  });
});
