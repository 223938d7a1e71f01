import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { pidAlive } from '../../src/main/lab/store/run-owners';
import { RunStore } from '../../src/main/lab/store/runs';
import { tempDir } from '../helpers/lab';
import { BUILT_WORKER, ensureBuilt, eventually } from '../helpers/runs';
import { syntheticDataset } from '../helpers/synthetic';

beforeAll(ensureBuilt, 300_000);

/** A study database with one long cnn run. */
function studyWithRun(): { file: string; runId: number } {
  const file = join(tempDir(), 'study.db');
  const db = openDatabase(file);
  try {
    const { dataset } = new DatasetStore(db).add(syntheticDataset({ train: 20, test: 2 }));
    const run = new RunStore(db).create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: { ...defaultRunConfig('cnn'), epochs: 500, batchSize: 4, patience: 0 },
    });
    return { file, runId: run.id };
  } finally {
    db.close();
  }
}

describe('the worker process', () => {
  it('exits at once when its parent dies in the middle of a training job', async () => {
    const { file, runId } = studyWithRun();
    const job = { type: 'run', jobId: 'j1', databasePath: file, job: { kind: 'train', runId, lease: 0 } };
    // a parent that forks the worker, gives it the job and prints its pid once it trains
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const w = require('node:child_process').fork(${JSON.stringify(BUILT_WORKER)}, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
         w.send(${JSON.stringify(job)});
         w.on('message', (m) => { if (m.type === 'progress') { console.log(w.pid); w.removeAllListeners('message'); } });
         setInterval(() => undefined, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CASEBOOK_TRAIN_THREADS: '1' } },
    );
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: parent.stdout }).once('line', resolve),
    );
    const worker = Number(line);
    expect(pidAlive(worker)).toBe(true);
    parent.kill('SIGKILL');
    const killed = Date.now();
    // a 500-epoch job: a worker that exits here noticed its parent was gone (its watch runs every
    // 0.5 s); the bound is loose so that a busy machine does not fail it
    await eventually(() => (pidAlive(worker) ? undefined : true), 'the worker to exit', 30_000);
    expect(Date.now() - killed).toBeLessThan(10_000);
  }, 120_000);
});
