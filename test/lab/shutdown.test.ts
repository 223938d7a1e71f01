import { beforeAll, describe, expect, it, vi } from 'vitest';
import { QUEUED_AT_SHUTDOWN, type JobInfo } from '../../src/shared/contract';
import { forkLauncher } from '../../src/main/lab/jobs/fork';
import { SHUTDOWN_GRACE_MS } from '../../src/main/lab/jobs/manager';
import { syntheticDataset } from '../helpers/synthetic';
import { tempDir, storesOf } from '../helpers/lab';
import { BUILT_WORKER, ensureBuilt, eventually, labOn } from '../helpers/runs';

// Training in this process would starve the timers the test polls with: use the built worker.
beforeAll(ensureBuilt, 300_000);
// one training thread: the worker starts faster on a busy machine
process.env['CASEBOOK_TRAIN_THREADS'] = '1';
const launch = forkLauncher(BUILT_WORKER);

describe('Lab.shutdown', () => {
  it('stops the training resumable at its last epoch, drops queued jobs, and closes the database last', async () => {
    const dir = tempDir();
    const { lab, events } = labOn(dir, { launch });
    const errors = vi.spyOn(console, 'error');
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 20, test: 2 }));
    const training = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 30, batchSize: 16, patience: 0 });
    const queued = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 16 });
    await eventually(
      () => (storesOf(lab).runs.get(training.run.id).epochsDone >= 1 ? true : undefined),
      'a finished epoch',
      120_000,
    );

    const started = Date.now();
    const stopping = lab.shutdown();
    expect(lab.shutdown()).toBe(stopping);
    expect(await lab.dispatch('listRuns', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    await stopping;
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_GRACE_MS + 5_000);
    expect(() => storesOf(lab).runs.list()).toThrow(/not open/);

    const finished = events.filter((e) => e.name === 'jobFinished').map((e) => (e.payload as { job: JobInfo }).job);
    expect(finished.map((job) => [job.id, job.status])).toEqual([
      [queued.job.id, 'cancelled'],
      [training.job.id, 'cancelled'],
    ]);
    expect(finished[0]?.error).toBe('Casebook stopped before this job started');
    // the worker heard the cancel and stopped by itself (it was not killed)
    expect(finished[1]?.error).toBe('cancelled');

    const { lab: again } = labOn(dir, { launch });
    try {
      const run = storesOf(again).runs.get(training.run.id);
      expect(run).toMatchObject({ status: 'interrupted', error: 'Casebook stopped while this run was training' });
      expect(run.epochsDone).toBeGreaterThanOrEqual(1);
      expect(storesOf(again).runs.epochs(run.id)).toHaveLength(run.epochsDone);
      expect(storesOf(again).runs.checkpoint(run.id, 'last')?.epoch).toBe(run.epochsDone);
      expect(storesOf(again).runs.owners.owner(run.id)).toBeNull();
      expect(storesOf(again).runs.get(queued.run.id)).toMatchObject({
        status: 'interrupted',
        error: QUEUED_AT_SHUTDOWN,
        epochsDone: 0,
      });
      expect(storesOf(again).db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(errors).not.toHaveBeenCalled();
    } finally {
      again.close();
      errors.mockRestore();
    }
  }, 240_000);
});
