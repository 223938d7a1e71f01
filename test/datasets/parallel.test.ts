import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessLauncher, JobManager, type WorkerLauncher } from '../../src/main/lab/jobs/manager';
import { openDatabase, type Db } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { ImportRequest } from '../../src/shared/contract';
import { syntheticDataset } from '../helpers/synthetic';
import { SMALL, cifarEntries, tempDir, writeArchive } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
let small: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('parallel'));
  small = await writeArchive(dir, 'small.tar.gz', cifarEntries(SMALL));
});
afterAll(() => cleanup());

const countDatasets = (db: Db): number => db.prepare('SELECT count(*) FROM datasets').pluck().get() as number;

/**
 * `db`, except that its first content-hash lookup comes back empty and then lets `race` run: as if
 * another process stored the same content between this connection's check and its insert.
 */
function racingConnection(db: Db, race: () => void): Db {
  let raced = false;
  const prepare = (sql: string) => {
    const statement = db.prepare(sql);
    if (raced || !sql.includes('content_hash = ?')) return statement;
    return new Proxy(statement, {
      get(target, property) {
        if (property !== 'get') return Reflect.get(target, property, target) as unknown;
        return (...params: unknown[]) => {
          const row: unknown = target.get(...params);
          raced = true;
          race();
          return row;
        };
      },
    });
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('DatasetStore.add racing another connection', () => {
  it('stores the same content once when another connection stores it between check and insert', () => {
    const file = join(dir, 'race.db');
    const first = openDatabase(file);
    const second = openDatabase(file);
    try {
      const dataset = syntheticDataset({ train: 5 });
      let winner: number | null = null;
      const racing = new DatasetStore(
        racingConnection(second, () => {
          winner = new DatasetStore(first).add(dataset).dataset.id;
        }),
      );
      const result = racing.add({ ...dataset, name: 'the loser' });
      expect(winner).not.toBeNull();
      expect(result).toMatchObject({ reused: true, dataset: { id: winner, name: 'synthetic' } });
      expect(countDatasets(first)).toBe(1);
      expect(first.prepare('SELECT count(*) FROM images').pluck().get()).toBe(3 * (5 + 2));
    } finally {
      first.close();
      second.close();
    }
  });

  it('says the database is busy, not "database is locked", when another writer holds it too long', () => {
    const file = join(dir, 'busy.db');
    const holder = openDatabase(file);
    const waiter = openDatabase(file);
    waiter.pragma('busy_timeout = 50');
    try {
      holder.exec('BEGIN IMMEDIATE');
      expect(() => new DatasetStore(waiter).add(syntheticDataset())).toThrow(
        `cannot store dataset "synthetic": the database ${file} stayed busy (another process is writing to it); try again`,
      );
      holder.exec('ROLLBACK');
      expect(countDatasets(holder)).toBe(0);
    } finally {
      holder.close();
      waiter.close();
    }
  });
});

describe('parallel imports through the job manager', () => {
  it('runs at most two at once, queues the rest, and stores identical content once', async () => {
    const databasePath = join(dir, 'jobs.db');
    let live = 0;
    let peak = 0;
    const launch: WorkerLauncher = () => {
      const worker = inProcessLauncher();
      live++;
      peak = Math.max(peak, live);
      let gone = false;
      return {
        ...worker,
        kill() {
          if (!gone) live--;
          gone = true;
          worker.kill();
        },
      };
    };
    const jobs = new JobManager({ databasePath, launch, emit: () => undefined });
    const request = ImportRequest.parse({ kind: 'archive', source: small, classes: ['deer', 'frog', 'truck'] });
    const started = Array.from({ length: 6 }, (_, i) => jobs.start({ kind: 'import', request }, `import ${i}`));
    expect(jobs.list().map((job) => job.status)).toEqual(['running', 'running', ...new Array(4).fill('queued')]);
    const finished = await Promise.all(started.map((job) => jobs.finished(job.id)));
    expect(finished.map((f) => f.job.status)).toEqual(new Array(6).fill('done'));
    expect(peak).toBe(2);
    const results = finished.map((f) => f.result);
    expect(results.filter((r) => r?.reused === false)).toHaveLength(1);
    expect(results.filter((r) => r?.reused === true)).toHaveLength(5);
    expect(new Set(results.map((r) => r?.dataset.id)).size).toBe(1);
    const db = openDatabase(databasePath);
    try {
      expect(countDatasets(db)).toBe(1);
    } finally {
      db.close();
    }
  });
});
