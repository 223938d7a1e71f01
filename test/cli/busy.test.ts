/**
 * Fault test: `casebook annotate`, `delete` and `import-run` (the built CLI, as child processes)
 * while another process holds the database's write lock past SQLite's 10 s wait: each exits 1 with
 * "the database is busy", not SQLite's "database is locked", and writes nothing.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRunBundle } from '../../src/main/lab/export/bundle-export';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { BUSY_MESSAGE } from '../../src/main/lab/store/busy';
import { tempDir, storesOf } from '../helpers/lab';
import { CASEBOOK_BIN, ensureBuilt } from '../helpers/runs';
import { syntheticDataset } from '../helpers/synthetic';

const dir = tempDir('casebook-busy-');
const db = join(dir, 'study.db');
const bundle = join(dir, 'run.casebook-run');
let datasetId = 0;
let runId = 0;
let holder: Database.Database | null = null;

function casebook(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CASEBOOK_BIN, ...args, '--db', db], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

beforeAll(async () => {
  ensureBuilt();
  const lab = new Lab({
    databasePath: db,
    mode: 'browser',
    version: 'test',
    launch: inProcessLauncher,
    emit: () => undefined,
    autoEvaluate: false,
  });
  try {
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
    datasetId = dataset.id;
    const { run, job } = lab.startRun({ datasetId, model: 'cnn', epochs: 1, batchSize: 6 });
    runId = run.id;
    expect((await lab.jobs.finished(job.id)).job.status).toBe('done');
    writeFileSync(bundle, exportRunBundle(storesOf(lab).db, runId, 'test').bytes);
  } finally {
    await lab.shutdown();
  }
}, 400_000);

afterAll(() => {
  if (holder?.inTransaction) holder.exec('ROLLBACK');
  holder?.close();
});

describe('the CLI on a database another process is writing to', () => {
  it('annotate, delete and import-run say "the database is busy" and write nothing', async () => {
    holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    const results = await Promise.all([
      casebook(['annotate', '--dataset', String(datasetId), '--image', 'test/0', '--tag', 'odd']),
      casebook(['delete', '--run', String(runId)]),
      casebook(['import-run', '--file', bundle]),
    ]);
    holder.exec('ROLLBACK');
    for (const result of results) expect(result).toEqual({ code: 1, stderr: `casebook: ${BUSY_MESSAGE}\n` });
    expect(holder.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(1);
    expect(holder.prepare('SELECT count(*) FROM annotation_tags').pluck().get()).toBe(0);
  }, 120_000);
});
