/**
 * Fault test: `casebook serve` (the built CLI, as a child process) stopped with SIGTERM while it
 * trains, then while it evaluates. It must exit 0 within a few seconds, leave the run resumable
 * and the database intact, and start nothing after the signal.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo, RequestName, RunSummary } from '../../src/shared/contract';
import { openDatabase } from '../../src/main/lab/store/database';
import { RunStore } from '../../src/main/lab/store/runs';
import { cifarEntries, records, writeArchive } from '../datasets/helpers';
import { tempDir } from '../helpers/lab';
import { ensureBuilt } from '../helpers/runs';
import { startServe as startServeChild, type ServeChild } from '../helpers/serve';

type Server = ServeChild;

/** One training thread: the test times the stop, not the training. */
const startServe = (db: string): Promise<Server> => startServeChild(db, { CASEBOOK_TRAIN_THREADS: '1' });

/** Polls an API request (bounded) until `test` accepts its answer. */
async function until<T>(server: Server, name: RequestName, input: unknown, test: (value: T) => boolean, what: string) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const value = await server.call<T>(name, input);
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGTERM, and how the process ended and how long it took. */
async function terminate(server: Server): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = Date.now();
  server.child.kill('SIGTERM');
  const end = await server.exited;
  return { ...end, ms: Date.now() - started };
}

function stored<T>(db: string, read: (runs: RunStore, raw: ReturnType<typeof openDatabase>) => T): T {
  const handle = openDatabase(db, { readonly: true });
  try {
    return read(new RunStore(handle), handle);
  } finally {
    handle.close();
  }
}

const dir = tempDir('casebook-serve-');
const db = join(dir, 'study.db');
let datasetId = 0;
const servers: Server[] = [];

beforeAll(async () => {
  ensureBuilt();
  const labels = (n: number) => Array.from({ length: n }, (_, i) => [4, 6, 9][i % 3] ?? 4);
  const archive = await writeArchive(
    dir,
    'tiny.tar.gz',
    cifarEntries({ train: [records(labels(90), 0)], test: records(labels(240), 1000) }),
  );
  const server = await startServe(db);
  servers.push(server);
  const { job } = await server.call<{ job: JobInfo }>('startImport', { kind: 'archive', source: archive });
  await until<JobInfo[]>(
    server,
    'listJobs',
    {},
    (jobs) => jobs.some((j) => j.id === job.id && j.status === 'done'),
    'the import',
  );
  const [dataset] = await server.call<{ id: number }[]>('listDatasets');
  datasetId = dataset?.id ?? 0;
  expect((await terminate(server)).code).toBe(0);
}, 400_000);

afterAll(() => {
  for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
});

describe('casebook serve stopped by SIGTERM', () => {
  it('during training: exits 0 at once, the run interrupted with its finished epochs, the database intact', async () => {
    const server = await startServe(db);
    servers.push(server);
    const { run } = await server.call<{ run: RunSummary }>('startRun', {
      datasetId,
      model: 'cnn',
      epochs: 50,
      batchSize: 32,
      patience: 0,
    });
    await until<{ run: RunSummary }>(
      server,
      'getRun',
      { id: run.id },
      (got) => got.run.epochsDone >= 1,
      'a finished epoch',
    );
    const end = await terminate(server);
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(end.ms).toBeLessThan(10_000);
    expect(server.stderr()).not.toMatch(/not open|Error/);
    stored(db, (runs, handle) => {
      const after = runs.get(run.id);
      // written by the trainer itself: it heard the shutdown and stopped (it was not killed)
      expect(after).toMatchObject({ status: 'interrupted', error: 'Casebook stopped while this run was training' });
      expect(after.epochsDone).toBeGreaterThanOrEqual(1);
      expect(runs.epochs(run.id)).toHaveLength(after.epochsDone);
      expect(runs.checkpoint(run.id, 'last')?.epoch).toBe(after.epochsDone);
      expect(runs.owners.owner(run.id)).toBeNull();
      expect(handle.pragma('integrity_check', { simple: true })).toBe('ok');
    });
  }, 400_000);

  it('during an evaluation: exits 0 and starts no queued explanation', async () => {
    const server = await startServe(db);
    servers.push(server);
    const { run } = await server.call<{ run: RunSummary }>('startRun', {
      datasetId,
      model: 'mcdropout',
      epochs: 1,
      batchSize: 32,
    });
    // when training is done the server queues the evaluation, then the explanation
    await until<JobInfo[]>(
      server,
      'listJobs',
      {},
      (jobs) => jobs.some((j) => j.kind === 'evaluate' && j.status === 'running'),
      'the evaluation to run',
    );
    const end = await terminate(server);
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(end.ms).toBeLessThan(10_000);
    expect(server.stderr()).not.toMatch(/not open|Error/);
    stored(db, (runs, handle) => {
      expect(runs.get(run.id).status).toBe('done');
      const explanations = handle.prepare('SELECT count(*) AS n FROM explanations WHERE run_id = ?').get(run.id);
      expect(explanations).toEqual({ n: 0 });
      expect(handle.pragma('integrity_check', { simple: true })).toBe('ok');
    });
  }, 400_000);
});
