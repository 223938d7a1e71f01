import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunConfig, type EventName } from '../../src/shared/contract';
import { importDataset } from '../../src/main/lab/datasets/import';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { sampleArchivePath } from '../../src/main/lab/paths';
import { QUICK, SAMPLE, sampleImportRequest, type StudyStep } from '../../src/main/lab/study';
import { syntheticDataset } from '../helpers/synthetic';
import { tempDir, testLab, storesOf } from '../helpers/lab';

let labs: Lab[] = [];
afterEach(() => {
  for (const lab of labs) lab.close();
  labs = [];
});

/** Cancels every job still waiting or running, and waits until they have all ended. */
async function cancelAll(lab: Lab): Promise<void> {
  const open = lab.jobs.list().filter((job) => job.status === 'queued' || job.status === 'running');
  for (const job of open) lab.jobs.cancel(job.id);
  await Promise.all(open.map((job) => lab.jobs.finished(job.id)));
}

describe('studies', () => {
  it('trains, evaluates and explains each model in turn, in a lab that does not analyse other runs', async () => {
    const jobs: string[] = [];
    const lab = new Lab({
      databasePath: join(tempDir(), 'study.db'),
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      autoEvaluate: false,
      emit: (name: EventName, payload) => {
        if (name === 'jobFinished') {
          const { job } = payload as { job: { kind: string; status: string } };
          jobs.push(`${job.kind}:${job.status}`);
        }
      },
    });
    labs.push(lab);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    const steps: string[] = [];
    const onStep = (step: StudyStep, run: { id: number }) => steps.push(`${step} ${run.id}`);
    const results = await lab.studies.run(
      { dataset: dataset.id, models: ['cnn', 'cnn'], settings: { epochs: 1, batchSize: 6, samples: 2 } },
      { onStep },
    );
    // both trainings were queued at once; each run's analysis went ahead of the next training
    expect(jobs).toEqual([
      'train:done',
      'evaluate:done',
      'explain:done',
      'features:done',
      'background:done',
      'train:done',
      'evaluate:done',
      'explain:done',
      'features:done',
      'background:done',
    ]);
    expect(steps).toEqual([
      'training 1',
      'evaluating 1',
      'explaining 1',
      'testing the background 1',
      'training 2',
      'evaluating 2',
      'explaining 2',
      'testing the background 2',
    ]);
    expect(
      results.map((r) => [r.run.status, r.problems, r.metrics?.images, r.explanations?.images, r.background?.images]),
    ).toEqual([
      ['done', [], 6, 6, 6],
      ['done', [], 6, 6, 6],
    ]);
    // and the features of their training and test images (nearest training images)
    expect(
      results.map((r) =>
        storesOf(lab)
          .features.info(r.run.id)
          .map((f) => `${f.split} ${f.count}`),
      ),
    ).toEqual([
      ['test 6', 'train 18'],
      ['test 6', 'train 18'],
    ]);
    // a run started outside a study is not analysed by this lab
    const { job } = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
    await lab.jobs.finished(job.id);
    expect(lab.jobs.list().filter((j) => j.kind === 'evaluate')).toHaveLength(2);
  });

  it('startStudy queues a run per seed model with the quick settings', async () => {
    const { lab } = testLab();
    labs.push(lab);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    const started = await lab.dispatch('startStudy', { datasetId: dataset.id, quick: true });
    if (!started.ok) throw new Error(started.error.message);
    await cancelAll(lab);
    expect(started.value.runs.map((run) => run.model)).toEqual(['cnn', 'vnn', 'mcdropout']);
    expect(started.value.runs[0]?.config).toMatchObject(QUICK);
    expect(started.value.jobs.map((job) => job.kind)).toEqual(['train', 'train', 'train']);
    const missing = await lab.dispatch('startStudy', { datasetId: 99 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const empty = await lab.dispatch('startStudy', { datasetId: dataset.id, models: [] });
    expect(empty).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringContaining('models') },
    });
  });
});

describe('seeds', () => {
  it('startStudy with seeds trains each model with seed, seed + 1, …: one seed group per model', async () => {
    const { lab } = testLab();
    labs.push(lab);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    const started = await lab.dispatch('startStudy', {
      datasetId: dataset.id,
      models: ['cnn', 'vnn'],
      quick: true,
      seeds: 3,
    });
    if (!started.ok) throw new Error(started.error.message);
    await cancelAll(lab);
    expect(started.value.runs.map((run) => [run.model, run.config.seed])).toEqual([
      ['cnn', 42],
      ['cnn', 43],
      ['cnn', 44],
      ['vnn', 42],
      ['vnn', 43],
      ['vnn', 44],
    ]);
    const [c1, , , v1] = started.value.runs;
    const groups = storesOf(lab)
      .runs.list()
      .reverse()
      .map((run) => run.group);
    expect(groups).toEqual([c1?.id, c1?.id, c1?.id, v1?.id, v1?.id, v1?.id]);
    const bad = await lab.dispatch('startStudy', { datasetId: dataset.id, seeds: 0 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('seeds') } });
  });

  it('startRuns makes n runs differing by seed; repeatRun adds the next unused seeds to the group', async () => {
    const { lab } = testLab();
    labs.push(lab);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    const base = { datasetId: dataset.id, model: 'cnn' as const, epochs: 1, batchSize: 6, learningRate: 3e-4 };
    const started = await lab.dispatch('startRuns', { ...base, seed: 5, seeds: 2 });
    if (!started.ok) throw new Error(started.error.message);
    const alone = await lab.dispatch('startRun', { ...base, learningRate: 1e-3, seed: 5 });
    if (!alone.ok) throw new Error(alone.error.message);
    const [first, second] = started.value.runs;
    const repeated = await lab.dispatch('repeatRun', { id: first?.id ?? 0, seeds: 2 });
    if (!repeated.ok) throw new Error(repeated.error.message);
    await cancelAll(lab);
    expect(started.value.runs.map((r) => r.config.seed)).toEqual([5, 6]);
    expect(repeated.value.runs.map((r) => [r.config.seed, r.config.learningRate])).toEqual([
      [7, 3e-4],
      [8, 3e-4],
    ]);
    expect(
      storesOf(lab)
        .runs.groupRuns(second?.id ?? 0)
        .map((r) => r.config.seed),
    ).toEqual([5, 6, 7, 8]);
    expect(storesOf(lab).runs.get(alone.value.run.id).group).toBeNull();
    // repeating a run alone makes a group of it
    const more = await lab.dispatch('repeatRun', { id: alone.value.run.id, seeds: 1 });
    if (!more.ok) throw new Error(more.error.message);
    await cancelAll(lab);
    expect(storesOf(lab).runs.get(alone.value.run.id).group).toBe(alone.value.run.id);
    // an ensemble's member is repeated through its ensemble
    const ensemble = storesOf(lab).runs.createEnsemble({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: { ...defaultRunConfig('ensemble'), members: 2 },
    });
    const member = storesOf(lab).runs.members(ensemble.id)[0];
    const refused = await lab.dispatch('repeatRun', { id: member?.id ?? 0, seeds: 1 });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining(`ensemble (run ${ensemble.id})`) },
    });
  });
});

describe('the sample study', () => {
  it('finds the bundled sample, which holds 500 training and 100 test images of each class', async () => {
    const { lab } = testLab();
    labs.push(lab);
    const { dataset } = await importDataset(storesOf(lab).datasets, sampleImportRequest(sampleArchivePath()));
    expect(dataset.classes).toEqual(['deer', 'frog', 'truck']);
    expect(dataset.counts).toEqual({
      train: { deer: 500, frog: 500, truck: 500 },
      test: { deer: 100, frog: 100, truck: 100 },
    });
  });

  it('names the places it looked in when the sample is missing', () => {
    const nowhere = tempDir();
    expect(() => sampleArchivePath(nowhere, {})).toThrow(join(nowhere, 'resources', 'sample'));
  });

  it('startSampleStudy imports the sample and queues the three seed models on all of it', async () => {
    const { lab, events } = testLab();
    labs.push(lab);
    const started = await lab.dispatch('startSampleStudy', {});
    if (!started.ok) throw new Error(started.error.message);
    await cancelAll(lab);
    const { datasetId, runs, jobs } = started.value;
    expect(storesOf(lab).datasets.get(datasetId).counts.train).toEqual({ deer: 500, frog: 500, truck: 500 });
    // the pages hear of the new dataset (the gallery names its classes from it)
    expect(events.some((event) => event.name === 'datasetsChanged')).toBe(true);
    expect(runs.map((run) => run.model)).toEqual(['cnn', 'vnn', 'mcdropout']);
    for (const run of runs) {
      expect(run.datasetId).toBe(datasetId);
      expect(run.config).toMatchObject({ ...SAMPLE, trainLimit: null, testLimit: null });
    }
    expect(jobs.map((job) => job.kind)).toEqual(['train', 'train', 'train']);
    expect(
      storesOf(lab)
        .runs.list()
        .map((run) => run.status),
    ).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});
