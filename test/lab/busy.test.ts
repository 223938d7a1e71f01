/**
 * Fault test: another connection (as another Casebook process would) holds the database's write
 * lock. Writes over HTTP must wait off the event loop and then be answered 503 "the database is
 * busy", every other request answered meanwhile; a write that meets the lock goes through once it
 * is freed, and the retries never repeat a write that was done.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunConfig, type RequestName } from '../../src/shared/contract';
import { Lab } from '../../src/main/lab/lab';
import { BUSY_MESSAGE, busyBackoffMs, DatabaseBusyError, isBusy, retryWhileBusy } from '../../src/main/lab/store/busy';
import { openDatabase, schemaVersion } from '../../src/main/lab/store/database';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { tempDir, storesOf } from '../helpers/lab';
import { holdingLauncher } from '../helpers/runs';
import { syntheticDataset } from '../helpers/synthetic';

const DEADLINE_MS = 1_500;
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp() {
  const dir = tempDir();
  const file = join(dir, 'study.db');
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>test</title>');
  const lab = new Lab({
    databasePath: file,
    mode: 'browser',
    version: 'test',
    launch: holdingLauncher,
    emit: () => undefined,
    busy: { timeoutMs: 5, deadlineMs: DEADLINE_MS },
  });
  cleanup.push(() => lab.close());
  const server: WebServer = await startWebServer({ lab, rendererDir });
  cleanup.push(() => server.close());
  const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
  const run = storesOf(lab).runs.create({
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    config: defaultRunConfig('cnn'),
  });
  storesOf(lab).runs.setStatus(run.id, 'cancelled');
  const base = new URL(server.url).origin;
  const post = async (name: RequestName, input: unknown = {}) => {
    const started = performance.now();
    const response = await fetch(`${base}/api/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return { status: response.status, body: (await response.json()) as unknown, ms: performance.now() - started };
  };
  /** Another writer, holding the write lock until `release`. */
  const hold = () => {
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    let held = true;
    const release = () => {
      if (held) other.exec('COMMIT');
      held = false;
      other.close();
    };
    cleanup.push(release);
    return release;
  };
  return { lab, post, hold, dataset, run };
}

describe('a database another process is writing to', () => {
  it('answers annotate, deleteRun and startRun with 503 "the database is busy" and keeps answering the rest', async () => {
    const { lab, post, hold, dataset, run } = await setUp();
    await post('appInfo'); // the first request of a process sets its client up
    const release = hold();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let writing = true;
    const writes = Promise.all([
      post('annotate', { datasetId: dataset.id, split: 'test', index: 0, addTags: ['odd'] }),
      post('deleteRun', { id: run.id }),
      post('startRun', { datasetId: dataset.id, model: 'cnn' }),
    ]).finally(() => (writing = false));
    const others: number[] = [];
    while (writing) {
      const answer = await post(others.length % 2 === 0 ? 'appInfo' : 'listRuns');
      expect(answer.status).toBe(200);
      others.push(answer.ms);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    loop.disable();
    for (const write of await writes) {
      expect(write.status).toBe(503);
      expect(write.body).toEqual({ ok: false, error: { code: 'unavailable', message: BUSY_MESSAGE } });
      // retried up to the deadline, not given up at once nor held for SQLite's 10 s
      expect(write.ms).toBeGreaterThan(DEADLINE_MS * 0.7);
      expect(write.ms).toBeLessThan(DEADLINE_MS + 2_000);
    }
    expect(others.length).toBeGreaterThan(5);
    expect(Math.max(...others)).toBeLessThan(200);
    expect(loop.max / 1e6).toBeLessThan(150);
    release();
    // nothing was written
    expect(
      storesOf(lab)
        .runs.list()
        .map((r) => r.id),
    ).toEqual([run.id]);
    expect((await post('listAnnotations', { datasetId: dataset.id })).body).toEqual({ ok: true, value: [] });
  }, 60_000);

  it('takes a write once the lock is freed before the deadline', async () => {
    const { lab, post, hold, dataset } = await setUp();
    const release = hold();
    const pending = post('annotate', { datasetId: dataset.id, split: 'test', index: 0, addTags: ['odd'] });
    await new Promise((resolve) => setTimeout(resolve, 400));
    release();
    const answer = await pending;
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeGreaterThan(350);
    expect(lab.cases.listAnnotations(dataset.id).map((a) => a.tags)).toEqual([['odd']]);
  }, 30_000);
});

describe('retryWhileBusy', () => {
  const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

  it('retries while SQLite is busy, then gives the first answer', async () => {
    let tries = 0;
    const value = await retryWhileBusy(
      () => {
        tries += 1;
        if (tries < 3) throw busy();
        return 'done';
      },
      { deadlineMs: 5_000 },
    );
    expect({ value, tries }).toEqual({ value: 'done', tries: 3 });
  });

  it('says "the database is busy" after the deadline, at once when a retry is not safe, and passes other errors on', async () => {
    await expect(retryWhileBusy(() => Promise.reject(busy()), { deadlineMs: 50 })).rejects.toThrow(DatabaseBusyError);
    let tries = 0;
    const unsafe = retryWhileBusy(
      () => {
        tries += 1;
        throw busy();
      },
      { deadlineMs: 5_000, retryable: () => false },
    );
    await expect(unsafe).rejects.toThrow(BUSY_MESSAGE);
    expect(tries).toBe(1);
    await expect(retryWhileBusy(() => Promise.reject(new Error('no')), { deadlineMs: 5_000 })).rejects.toThrow('no');
    expect(isBusy(Object.assign(new Error('x'), { code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe(true);
    expect(isBusy(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT' }))).toBe(false);
    expect([0, 1, 3, 10].map((n) => busyBackoffMs(n, () => 1))).toEqual([20, 40, 160, 250]);
  });
});

describe('opening a database that another process holds locked', () => {
  it('says the database is busy when its migrations cannot get the lock, and opens once it is free', () => {
    const file = join(tempDir(), 'study.db');
    const holder = new Database(file);
    holder.exec('BEGIN EXCLUSIVE; CREATE TABLE held (x); ');
    try {
      expect(() => openDatabase(file, { busyTimeoutMs: 200 })).toThrow(new DatabaseBusyError().message);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const db = openDatabase(file, { busyTimeoutMs: 200 });
    expect(schemaVersion(db)).toBeGreaterThan(0);
    db.close();
  });
});
