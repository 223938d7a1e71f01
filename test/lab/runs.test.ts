import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunConfig, QUEUED_AT_SHUTDOWN } from '../../src/shared/contract';
import type { WorkerLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { syntheticDataset } from '../helpers/synthetic';
import { testLab, tempDir, type RecordedEvent, storesOf } from '../helpers/lab';
import { labOn } from '../helpers/runs';

let labs: Lab[] = [];
afterEach(() => {
  for (const lab of labs) lab.close();
  labs = [];
});

function until(events: RecordedEvent[], test: (e: RecordedEvent) => boolean): Promise<RecordedEvent> {
  return new Promise((resolve) => {
    const check = () => {
      const found = events.find(test);
      if (found) resolve(found);
      else setTimeout(check, 10);
    };
    check();
  });
}

/** A worker that dies as soon as it is given a job. */
const crashingLauncher: WorkerLauncher = () => {
  let exit: (reason: string | null) => void = () => undefined;
  return {
    post: (message) => {
      if (message.type === 'run') setTimeout(() => exit('the worker exited (SIGSEGV)'), 5);
    },
    onMessage: () => undefined,
    onExit: (listener) => {
      exit = listener;
    },
    kill: () => undefined,
  };
};

describe('runs through the lab', () => {
  it('starts a run with the seed defaults plus overrides, and reports it to the end', async () => {
    const { lab, events } = testLab();
    labs.push(lab);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    const started = await lab.dispatch('startRun', { datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 4 });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.value.run.config).toMatchObject({
      epochs: 1,
      batchSize: 4,
      learningRate: 1e-3,
      patience: 10,
      dropout: 0.2,
    });
    const finished = await until(events, (e) => e.name === 'jobFinished');
    expect(finished.payload).toMatchObject({ job: { status: 'done', kind: 'train' } });
    const updates = events
      .filter((e) => e.name === 'runUpdated')
      .map((e) => (e.payload as { run: { status: string } }).run.status);
    expect(updates[0]).toBe('queued');
    expect(updates).toContain('running');
    expect(updates.at(-1)).toBe('done');
    expect(events.some((e) => e.name === 'runProgress')).toBe(true);
    const got = await lab.dispatch('getRun', { id: started.value.run.id });
    expect(got.ok && got.value.epochs.length).toBe(1);
  });

  it('rejects bad hyperparameters by name, and unknown datasets', async () => {
    const { lab } = testLab();
    labs.push(lab);
    const bad = await lab.dispatch('startRun', { datasetId: 1, model: 'cnn', epochs: 0 });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringContaining('epochs') },
    });
    const model = await lab.dispatch('startRun', { datasetId: 1, model: 'resnet' });
    expect(model).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringContaining('model') },
    });
    const missing = await lab.dispatch('startRun', { datasetId: 99, model: 'vnn' });
    expect(missing).toEqual({ ok: false, error: { code: 'not-found', message: 'no dataset with id 99' } });
    expect(storesOf(lab).runs.list()).toEqual([]);
  });

  it('marks a run failed with the reason when its trainer process dies', async () => {
    const dir = tempDir();
    const events: RecordedEvent[] = [];
    const lab = new Lab({
      databasePath: join(dir, 'study.db'),
      mode: 'browser',
      version: 'test',
      launch: crashingLauncher,
      emit: (name, payload) => events.push({ name, payload }),
    });
    labs.push(lab);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
    const { run } = lab.startRun({ datasetId: dataset.id, model: 'cnn' });
    await until(events, (e) => e.name === 'jobFinished');
    expect(storesOf(lab).runs.get(run.id)).toMatchObject({ status: 'failed', error: 'the worker exited (SIGSEGV)' });
    const last = events.filter((e) => e.name === 'runUpdated').at(-1);
    expect(last?.payload).toMatchObject({ run: { status: 'failed' } });
  });

  it('queues a second training run until the first is done', async () => {
    const { lab, events } = testLab();
    labs.push(lab);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    const first = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
    const second = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
    expect(lab.jobs.get(first.job.id).status).toBe('running');
    expect(lab.jobs.get(second.job.id).status).toBe('queued');
    await until(
      events,
      (e) => e.name === 'jobFinished' && (e.payload as { job: { id: string } }).job.id === second.job.id,
    );
    expect(storesOf(lab).runs.get(first.run.id).status).toBe('done');
    expect(storesOf(lab).runs.get(second.run.id).status).toBe('done');
  });

  it('says a run stopped by a shutdown while queued was queued, not training', async () => {
    const dir = tempDir();
    // the holding worker takes the first job and never starts it: both runs stay queued
    const { lab } = labOn(dir);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    const first = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
    const second = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
    expect(storesOf(lab).runs.get(first.run.id).status).toBe('queued');
    await lab.shutdown();
    const { lab: again } = labOn(dir);
    labs.push(again);
    for (const id of [first.run.id, second.run.id])
      expect(storesOf(again).runs.get(id), `run ${id}`).toMatchObject({
        status: 'interrupted',
        error: QUEUED_AT_SHUTDOWN,
      });
    expect(QUEUED_AT_SHUTDOWN).not.toMatch(/training/);
  });

  it('cancels a queued run before it starts, and resumes it later', async () => {
    const { lab, events } = testLab();
    labs.push(lab);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
    const second = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
    expect(lab.cancelRun(second.run.id).status).toBe('cancelled');
    const resumed = await lab.dispatch('resumeRun', { id: second.run.id });
    expect(resumed.ok).toBe(true);
    await until(
      events,
      (e) =>
        e.name === 'runUpdated' &&
        (e.payload as { run: { id: number; status: string } }).run.id === second.run.id &&
        (e.payload as { run: { status: string } }).run.status === 'done',
    );
    const done = await lab.dispatch('resumeRun', { id: second.run.id });
    expect(done).toMatchObject({ ok: false, error: { message: expect.stringContaining('is done') } });
  });

  it('trains a deep ensemble as member runs in one job, then evaluates it with a sample per member', async () => {
    const { lab, events } = testLab();
    labs.push(lab);
    const defaults = await lab.dispatch('modelDefaults', {});
    expect(defaults.ok && defaults.value.ensemble).toMatchObject({ members: 5, batchSize: 256, dropout: 0.2 });
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    const started = await lab.dispatch('startRun', {
      datasetId: dataset.id,
      model: 'ensemble',
      members: 2,
      epochs: 1,
      batchSize: 6,
      seed: 3,
    });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.value.job.title).toBe(`Train Deep ensemble (run ${started.value.run.id})`);
    const evaluated = await until(events, (e) => e.name === 'runEvaluated');
    expect(evaluated.payload).toMatchObject({ runId: started.value.run.id, metrics: { samples: 2 } });
    const members = storesOf(lab).runs.members(started.value.run.id);
    expect(members.map((m) => [m.config.seed, m.status])).toEqual([
      [3, 'done'],
      [4, 'done'],
    ]);
    // one training job for the whole ensemble
    expect(lab.jobs.list().filter((job) => job.kind === 'train')).toHaveLength(1);
    // explained too, the members being the samples
    const explained = await until(events, (e) => e.name === 'runExplained');
    expect(explained.payload).toMatchObject({
      runId: started.value.run.id,
      summary: { samples: 2, method: 'gradcam' },
    });
    const page = await lab.dispatch('listExplanationImages', { runId: started.value.run.id, limit: 3 });
    expect(page.ok && page.value.items.map((i) => i.index)).toEqual([0, 1, 2]);
    expect(page.ok && page.value.total).toBe(6);
    const bad = await lab.dispatch('explainRun', { id: started.value.run.id, method: 'lime' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringContaining('method') },
    });
  });

  it('cancelling a member cancels its whole ensemble', async () => {
    const { lab, events } = testLab();
    labs.push(lab);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
    lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
    const ensemble = lab.startRun({ datasetId: dataset.id, model: 'ensemble', members: 2, epochs: 1, batchSize: 6 });
    const [member] = storesOf(lab).runs.members(ensemble.run.id);
    lab.cancelRun(member!.id);
    await until(
      events,
      (e) => e.name === 'jobFinished' && (e.payload as { job: { id: string } }).job.id === ensemble.job.id,
    );
    expect(
      [
        ensemble.run.id,
        ...storesOf(lab)
          .runs.members(ensemble.run.id)
          .map((m) => m.id),
      ].map((id) => storesOf(lab).runs.get(id).status),
    ).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('shows runs left running by a previous session as interrupted', () => {
    const { lab, dir } = testLab();
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
    const run = storesOf(lab).runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('cnn'),
    });
    storesOf(lab).runs.markStarted(run.id, { backend: 'wasm', params: 1 });
    lab.close();
    const again = new Lab({
      databasePath: join(dir, 'study.db'),
      mode: 'browser',
      version: 'test',
      launch: crashingLauncher,
      emit: () => undefined,
    });
    labs.push(again);
    expect(storesOf(again).runs.get(run.id).status).toBe('interrupted');
  });
});
