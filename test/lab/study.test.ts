import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName } from '../../src/shared/contract';
import { importDataset } from '../../src/main/lab/datasets/import';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { sampleArchivePath } from '../../src/main/lab/paths';
import { QUICK, SAMPLE, sampleImportRequest, type StudyStep } from '../../src/main/lab/study';
import { syntheticDataset } from '../helpers/synthetic';
import { tempDir, testLab } from '../helpers/lab';

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
    const { dataset } = lab.datasets.add(syntheticDataset({ train: 6, test: 2 }));
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
      'train:done',
      'evaluate:done',
      'explain:done',
    ]);
    expect(steps).toEqual(['training 1', 'evaluating 1', 'explaining 1', 'training 2', 'evaluating 2', 'explaining 2']);
    expect(results.map((r) => [r.run.status, r.problems, r.metrics?.images, r.explanations?.images])).toEqual([
      ['done', [], 6, 6],
      ['done', [], 6, 6],
    ]);
    // a run started outside a study is not analysed by this lab
    const { job } = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
    await lab.jobs.finished(job.id);
    expect(lab.jobs.list().filter((j) => j.kind === 'evaluate')).toHaveLength(2);
  });

  it('startStudy queues a run per seed model with the quick settings', async () => {
    const { lab } = testLab();
    labs.push(lab);
    const { dataset } = lab.datasets.add(syntheticDataset({ train: 6, test: 2 }));
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

describe('the sample study', () => {
  it('finds the bundled sample, which holds 500 training and 100 test images of each class', async () => {
    const { lab } = testLab();
    labs.push(lab);
    const { dataset } = await importDataset(lab.datasets, sampleImportRequest(sampleArchivePath()));
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
    expect(lab.datasets.get(datasetId).counts.train).toEqual({ deer: 500, frog: 500, truck: 500 });
    // the pages hear of the new dataset (the gallery names its classes from it)
    expect(events.some((event) => event.name === 'datasetsChanged')).toBe(true);
    expect(runs.map((run) => run.model)).toEqual(['cnn', 'vnn', 'mcdropout']);
    for (const run of runs) {
      expect(run.datasetId).toBe(datasetId);
      expect(run.config).toMatchObject({ ...SAMPLE, trainLimit: null, testLimit: null });
    }
    expect(jobs.map((job) => job.kind)).toEqual(['train', 'train', 'train']);
    expect(lab.runs.list().map((run) => run.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});
