/**
 * Fault test: the owner of a training run hangs. `casebook serve` (the built CLI, as a child
 * process) trains a run and is stopped with SIGSTOP (its worker is not: it trains on). Once the
 * owner is silent past the stale limit, another process takes the run over; when the owner is
 * continued, neither it nor its worker may write anything more to the run.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo, RunSummary } from '../../src/shared/contract';
import type { Lab } from '../../src/main/lab/lab';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { tempDir, storesOf } from '../helpers/lab';
import { ensureBuilt, eventually, labOn } from '../helpers/runs';
import { startServe, type ServeChild } from '../helpers/serve';
import { syntheticDataset } from '../helpers/synthetic';

/** The stale limit of every process here, in seconds (the default is 60). */
const STALE_SECONDS = 1.5;
const ENV = { CASEBOOK_TRAIN_THREADS: '1', CASEBOOK_OWNER_STALE_SECONDS: String(STALE_SECONDS) };

const dir = tempDir('casebook-hung-');
const db = join(dir, 'study.db');
let datasetId = 0;
const servers: ServeChild[] = [];
const labs: Lab[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the run's training has written: its row (but its owner's columns), its epochs and its checkpoints. */
function written(runId: number): unknown {
  const handle = new Database(db, { readonly: true });
  try {
    return {
      run: handle
        .prepare(
          `SELECT status, error, backend, params, epochs_done, best_epoch, best_val_loss, train_seconds,
                  images_per_second, test_loss, test_accuracy, started_at, finished_at FROM runs WHERE id = ?`,
        )
        .get(runId),
      epochs: handle.prepare('SELECT * FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(runId),
      // the weights by their digest: comparing megabytes of them value by value is slow
      checkpoints: handle
        .prepare<[number], { kind: string; epoch: number; state: string | null; weights: Buffer }>(
          'SELECT kind, epoch, state, weights FROM checkpoints WHERE run_id = ? ORDER BY kind',
        )
        .all(runId)
        .map(({ weights, ...rest }) => ({ ...rest, weights: createHash('sha256').update(weights).digest('hex') })),
    };
  } finally {
    handle.close();
  }
}

function epochsDone(runId: number): number {
  return (written(runId) as { run: { epochs_done: number } }).run.epochs_done;
}

/** The serve's training job once it has settled (polled over its API). */
async function settledTraining(server: ServeChild): Promise<JobInfo> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const jobs = await server.call<JobInfo[]>('listJobs');
    const job = jobs.find((j) => j.kind === 'train' && j.status !== 'running' && j.status !== 'queued');
    if (job) return job;
    if (Date.now() > deadline) throw new Error('timed out waiting for the old owner to settle its job');
    await sleep(100);
  }
}

beforeAll(() => {
  ensureBuilt();
  const handle = openDatabase(db);
  try {
    datasetId = new DatasetStore(handle).add(syntheticDataset({ train: 12, test: 3 })).dataset.id;
  } finally {
    handle.close();
  }
}, 400_000);

afterAll(() => {
  for (const lab of labs) lab.close();
  for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
});

describe('a training owner that hangs (SIGSTOP) while its worker trains on', () => {
  it('loses the run to the process that takes it over: its worker stops, and neither writes to the run again', async () => {
    const server = await startServe(db, ENV);
    servers.push(server);
    const { run } = await server.call<{ run: RunSummary }>('startRun', {
      datasetId,
      model: 'cnn',
      epochs: 10_000,
      batchSize: 8,
      patience: 0,
    });
    await eventually(() => (epochsDone(run.id) >= 1 ? true : undefined), 'a finished epoch', 120_000);

    server.child.kill('SIGSTOP');
    const stopped = Date.now();
    // the owner is silent, its worker is not
    const atStop = epochsDone(run.id);
    await eventually(() => (epochsDone(run.id) > atStop ? true : undefined), 'an epoch while the owner is stopped');
    await sleep(Math.max(0, stopped + STALE_SECONDS * 1000 + 300 - Date.now()));

    // another process (a Lab here, as `casebook resume` opens one) takes the silent owner's run over
    const { lab } = labOn(dir, { ownership: { heartbeatMs: 100, staleMs: STALE_SECONDS * 1000 } });
    labs.push(lab);
    expect(lab.resumeRun(run.id).run.status).toBe('queued');
    expect(storesOf(lab).runs.owners.owner(run.id)?.pid).toBe(process.pid);
    const taken = written(run.id);

    // the old worker, which finished an epoch every fraction of a second, writes nothing more
    await sleep(2_000);
    expect(written(run.id)).toEqual(taken);

    // the owner wakes: its job failed (the worker stopped on its own), and it writes nothing either
    server.child.kill('SIGCONT');
    const job = await settledTraining(server);
    expect(job).toMatchObject({ status: 'failed', error: expect.stringMatching(/taken over by another process/) });
    await sleep(500);
    expect(written(run.id)).toEqual(taken);
    expect(storesOf(lab).runs.owners.owner(run.id)?.pid).toBe(process.pid);

    // the old owner stops cleanly, leaving the run alone
    server.child.kill('SIGTERM');
    expect(await server.exited).toMatchObject({ code: 0 });
    expect(written(run.id)).toEqual(taken);

    // the new owner gives the run up: it is resumable, its rows consistent
    lab.close();
    const { lab: next } = labOn(dir);
    labs.push(next);
    const after = storesOf(next).runs.get(run.id);
    expect(after.status).toBe('interrupted');
    expect(
      storesOf(next)
        .runs.epochs(run.id)
        .map((e) => e.epoch),
    ).toEqual(Array.from({ length: after.epochsDone }, (_, i) => i + 1));
    expect(storesOf(next).runs.checkpoint(run.id, 'last')?.epoch).toBe(after.epochsDone);
    expect(storesOf(next).db.pragma('integrity_check', { simple: true })).toBe('ok');
  }, 300_000);
});
