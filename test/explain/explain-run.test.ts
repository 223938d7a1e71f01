import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, type Progress, type RunConfig } from '../../src/shared/contract';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { evaluateRun } from '../../src/main/lab/evaluation/evaluate-run';
import { explainRun } from '../../src/main/lab/explain/explain-run';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { ExplanationStore } from '../../src/main/lab/store/explanations';
import { RunStore } from '../../src/main/lab/store/runs';
import { trainRun } from '../../src/main/lab/training/train';
import { syntheticDataset } from '../helpers/synthetic';

/** A tiny trained run, evaluated with `samples` samples per image (none: not evaluated). */
async function trained(model: RunConfig['model'], overrides: Partial<RunConfig> = {}, samples: number | null = 20) {
  const db = openDatabase(':memory:');
  const datasets = new DatasetStore(db);
  const runs = new RunStore(db);
  const evaluations = new EvaluationStore(db);
  const explanations = new ExplanationStore(db);
  const { dataset } = datasets.add(syntheticDataset({ train: 8, test: 4 }));
  const config: RunConfig = { ...defaultRunConfig(model), epochs: 1, batchSize: 8, members: 2, ...overrides };
  const input = { datasetId: dataset.id, datasetHash: dataset.contentHash, config };
  const run = model === 'ensemble' ? runs.createEnsemble(input) : runs.create(input);
  await trainRun({ runs, datasets, runId: run.id });
  if (samples !== null) await evaluateRun({ runs, datasets, evaluations, runId: run.id, samples });
  return { db, datasets, runs, evaluations, explanations, runId: run.id };
}

beforeAll(async () => {
  await initEngine();
});

describe('explainRun', () => {
  it('stores a map per test image, the deletion check and background shares', async () => {
    const { runs, datasets, evaluations, explanations, runId } = await trained('cnn');
    const progress: Progress[] = [];
    const tensors = tf.memory().numTensors;
    const summary = await explainRun({
      runs,
      datasets,
      evaluations,
      explanations,
      request: { id: runId, method: 'gradcam', score: 'logit' },
      onProgress: (p) => progress.push(p),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(summary).toMatchObject({
      method: 'gradcam',
      layer: 'Conv_last',
      samples: 1,
      images: 12,
      mapShape: [13, 13],
      meanStd: null,
      maxStd: null,
    });
    expect(summary.deletion.map((d) => d.fraction)).toEqual([0.1, 0.2, 0.3]);
    expect(summary.deletionDrop).toBe(summary.deletion[1]!.deletionDrop);
    // ROAD beside it: the same fractions, both orders, and its combined score from them
    expect(summary.road.map((r) => r.fraction)).toEqual([0.1, 0.2, 0.3]);
    for (const r of summary.road) expect(Math.abs(r.mostDrop) + Math.abs(r.leastDrop)).toBeGreaterThan(0);
    expect(summary.roadScore).toBeCloseTo(summary.road.reduce((s, r) => s + (r.mostDrop - r.leastDrop) / 2, 0) / 3, 10);
    expect(summary.meanBackground === null || (summary.meanBackground >= 0 && summary.meanBackground <= 1)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: 12, total: 12, unit: 'images' });
    expect(explanations.shown(runId)?.summary).toEqual(summary);

    const page = explanations.images(explanations.shown(runId)!.id, { order: 'index', offset: 2, limit: 5 });
    expect(page.total).toBe(12);
    expect(page.items.map((i) => i.index)).toEqual([2, 3, 4, 5, 6]);
    for (const image of page.items) {
      expect(image.map).toHaveLength(169);
      expect(Math.max(...image.map)).toBeLessThanOrEqual(1);
      expect(image.std).toBeNull();
      // a true-class map only where the prediction is wrong
      expect(image.trueMap === null).toBe(image.predicted === image.label);
    }
    const byBackground = explanations.images(explanations.shown(runId)!.id, {
      order: 'background',
      offset: 0,
      limit: 12,
    });
    const shares = byBackground.items.map((i) => i.background ?? -1);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
  });

  it('explains a stochastic model with MC Grad-CAM over T samples of its head', async () => {
    const { runs, datasets, evaluations, explanations, runId } = await trained('mcdropout');
    const summary = await explainRun({
      runs,
      datasets,
      evaluations,
      explanations,
      request: { id: runId, method: 'gradcampp', score: 'probability', samples: 8 },
    });
    expect(summary).toMatchObject({
      method: 'gradcampp',
      score: 'probability',
      layer: 'conv_3',
      samples: 8,
      mapShape: [4, 4],
    });
    const { items } = explanations.images(explanations.shown(runId)!.id, { order: 'index', offset: 0, limit: 12 });
    expect(items[0]!.std).toHaveLength(16);
    const stds = items.flatMap((item) => item.std ?? []);
    expect(summary.maxStd).toBeCloseTo(Math.max(...stds), 5);
    expect(summary.meanStd).toBeCloseTo(stds.reduce((a, b) => a + b, 0) / stds.length, 5);
  });

  it('explains an ensemble with its members as the samples, on a chosen layer', async () => {
    const { runs, datasets, evaluations, explanations, runId } = await trained('ensemble');
    const summary = await explainRun({
      runs,
      datasets,
      evaluations,
      explanations,
      request: { id: runId, method: 'gradcam', score: 'logit', layer: 'conv_1' },
    });
    expect(summary).toMatchObject({ layer: 'conv_1', samples: 2, mapShape: [30, 30] });
  });

  it('explains one chosen class for every image, and names a class that does not exist', async () => {
    const { runs, datasets, evaluations, explanations, runId } = await trained('cnn');
    const summary = await explainRun({
      runs,
      datasets,
      evaluations,
      explanations,
      request: { id: runId, method: 'gradcam', score: 'logit', targetClass: 2 },
    });
    expect(summary.targetClass).toBe(2);
    const { items } = explanations.images(explanations.shown(runId)!.id, { order: 'index', offset: 0, limit: 12 });
    expect(items.every((item) => item.trueMap === null)).toBe(true);
    // the same maps as a first pass over the class-2 images of the default explanation, which explains their true class
    const byDefault = await explainRun({
      runs,
      datasets,
      evaluations,
      explanations,
      request: { id: runId, method: 'gradcam', score: 'logit' },
    });
    expect(byDefault.targetClass).toBeNull();
    const defaults = explanations.images(explanations.shown(runId)!.id, {
      order: 'index',
      offset: 0,
      limit: 12,
    }).items;
    for (const [i, item] of items.entries()) {
      const other = defaults[i]!;
      if (other.label !== 2) continue;
      const expected = other.trueMap ?? other.map;
      item.map.forEach((v, p) => expect(v).toBeCloseTo(expected[p]!, 5));
    }
    await expect(
      explainRun({
        runs,
        datasets,
        evaluations,
        explanations,
        request: { id: runId, method: 'gradcam', score: 'logit', targetClass: 3 },
      }),
    ).rejects.toThrow("targetClass: class 3 does not exist; the dataset's classes are 0 deer, 1 frog, 2 truck");
  });

  it("takes each image's predicted class and probability from the run's current evaluation (stochastic run)", async () => {
    // an evaluation with 3 samples and MC Grad-CAM with 8 other ones: near a tie their own argmaxes would differ
    const { runs, datasets, evaluations, explanations, runId } = await trained('mcdropout', {}, 3);
    await explainRun({
      runs,
      datasets,
      evaluations,
      explanations,
      request: { id: runId, method: 'gradcam', score: 'logit', samples: 8 },
    });
    const predictions = evaluations.predictions(evaluations.current(runId)!.id);
    const { items } = explanations.images(explanations.shown(runId)!.id, { order: 'index', offset: 0, limit: 12 });
    expect(items).toHaveLength(predictions.length);
    for (const [i, item] of items.entries()) {
      expect(item.predicted).toBe(predictions[i]!.predicted);
      expect(item.probability).toBeCloseTo(predictions[i]!.confidence, 6);
      expect(item.trueMap === null).toBe(item.predicted === item.label);
    }
  });

  it('fails clearly for a run without an evaluation, or one that covers other test images', async () => {
    const { db, runs, datasets, evaluations, explanations, runId } = await trained('vnn', {}, null);
    const request = { id: runId, method: 'gradcam', score: 'logit' } as const;
    await expect(explainRun({ runs, datasets, evaluations, explanations, request })).rejects.toThrow(
      `run ${runId} has no evaluation; evaluate it first`,
    );
    await evaluateRun({ runs, datasets, evaluations, runId, samples: 5 });
    const id = evaluations.current(runId)!.id;
    db.prepare('DELETE FROM predictions WHERE evaluation_id = ? AND idx = 11').run(id);
    await expect(explainRun({ runs, datasets, evaluations, explanations, request })).rejects.toThrow(
      `evaluation ${id} of run ${runId} covers 11 test images, the run's test set has 12; evaluate it again`,
    );
    expect(explanations.shown(runId)).toBeNull();
  });

  it('refuses a run that has not finished, and a layer the model lacks', async () => {
    const { runs, datasets, evaluations, explanations, runId, db } = await trained('vnn');
    await expect(
      explainRun({
        runs,
        datasets,
        evaluations,
        explanations,
        request: { id: runId, method: 'gradcam', score: 'logit', layer: 'z' },
      }),
    ).rejects.toThrow("model 'vnn' has no conv layer 'z'; its conv layers are conv_1, conv_2");
    db.prepare("UPDATE runs SET status = 'failed' WHERE id = ?").run(runId);
    await expect(
      explainRun({
        runs,
        datasets,
        evaluations,
        explanations,
        request: { id: runId, method: 'gradcam', score: 'logit' },
      }),
    ).rejects.toThrow(`run ${runId} is failed; only a finished run can be explained`);
    expect(explanations.shown(runId)).toBeNull();
  });
});
