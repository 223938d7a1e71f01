// The app while another process holds the database's write lock (README, Reliability): a Lab and
// its HTTP door as `casebook serve` runs them; another process holds `BEGIN IMMEDIATE` for
// `holdSeconds`; a round of writes (annotate, deleteRun, startRun) is sent over HTTP every second
// while the lock will outlast their wait, other requests (appInfo, listRuns) 10 times a second
// meanwhile, and a write once the lock is free. `node scripts/bench.mjs --only busy` prints one line:
// `{busy: true, holdSeconds, p99Ms, maxMs, writeStatus, otherRequestMaxMs, ...}`.
// Targets: event-loop p99 ≤ 50 ms, writes answered 503, other requests answered at once.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { WorkerLauncher } from '../src/main/lab/jobs/manager';
import { Lab } from '../src/main/lab/lab';
import { RESPONSIVE_BUSY } from '../src/main/lab/store/busy';
import { startWebServer } from '../src/main/web/server';
import { defaultRunConfig, type RequestName } from '../src/shared/contract';
import { syntheticDataset } from '../test/helpers/synthetic';
import { storesOf } from '../test/helpers/lab';

export interface BusyBenchLine {
  busy: true;
  /** How long the other process held the write lock. */
  holdSeconds: number;
  /** The event-loop delay while the lock was held (perf_hooks, 10 ms resolution; idle reads ≈ 10 ms). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The HTTP status of the first write (annotate), and of every write sent while the lock was held. */
  writeStatus: number;
  writeStatuses: Record<string, number>;
  /** Writes sent, and the slowest answer (a write retries up to its deadline, 5 s). */
  writes: number;
  writeMaxMs: number;
  /** Other requests (appInfo, listRuns) answered meanwhile, and the slowest. */
  otherRequests: number;
  otherRequestMaxMs: number;
  /** The status of a write sent once the lock is free. */
  afterStatus: number;
}

export interface BusyBenchOptions {
  /** Seconds the other process holds the lock; default 10. */
  holdSeconds?: number;
  report?: (line: BusyBenchLine) => void;
}

const round = (value: number, digits = 3): number => Number(value.toPrecision(digits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A worker that never runs anything (no job should start; none may load the machine). */
const idleLauncher: WorkerLauncher = () => ({
  post: () => undefined,
  onMessage: () => undefined,
  onExit: () => undefined,
  kill: () => undefined,
});

/** Another process holding the write lock for `ms`; resolves once it holds it, with its exit. */
async function holdLock(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `const Database = require(${JSON.stringify(sqlite)});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    console.log('locked');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const released = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the lock holder exited with ${code}`)))),
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', () => resolve());
    released.catch(reject);
  });
  return { released };
}

export async function benchBusy(options: BusyBenchOptions = {}): Promise<BusyBenchLine> {
  const holdSeconds = options.holdSeconds ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'casebook-busy-'));
  const file = join(dir, 'study.db');
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>bench</title>');
  // as `casebook serve` opens it: the default busy policy of a door
  const lab = new Lab({
    databasePath: file,
    mode: 'browser',
    version: 'bench',
    launch: idleLauncher,
    emit: () => undefined,
  });
  const web = await startWebServer({ lab, rendererDir });
  const base = new URL(web.url).origin;
  const post = async (name: RequestName, input: unknown = {}): Promise<{ status: number; ms: number }> => {
    const started = performance.now();
    const response = await fetch(`${base}/api/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${web.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  };
  try {
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 20, test: 5 }));
    const run = storesOf(lab).runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('cnn'),
    });
    storesOf(lab).runs.setStatus(run.id, 'cancelled');
    await post('appInfo'); // the client's first request sets it up
    const writeRound = () =>
      Promise.all([
        post('annotate', { datasetId: dataset.id, split: 'test', index: 0, addTags: ['busy'] }),
        post('deleteRun', { id: run.id }),
        post('startRun', { datasetId: dataset.id, model: 'cnn', epochs: 1 }),
      ]);

    const { released } = await holdLock(file, holdSeconds * 1000);
    const lockedAt = performance.now();
    // a round of writes starts only while the lock will outlast its wait: all of them meet it
    const roundFits = () => performance.now() - lockedAt + RESPONSIVE_BUSY.deadlineMs + 500 < holdSeconds * 1000;
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    let held = true;
    void released.then(() => (held = false));
    const statuses: Record<string, number> = {};
    const writeTimes: number[] = [];
    let firstStatus = 0;
    const rounds: Promise<void>[] = [];
    const writing = (async () => {
      do {
        rounds.push(
          writeRound().then((answers) => {
            for (const answer of answers) {
              if (firstStatus === 0) firstStatus = answer.status;
              statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
              writeTimes.push(answer.ms);
            }
          }),
        );
        await sleep(1000);
      } while (roundFits());
      await Promise.all(rounds);
    })();
    const others: number[] = [];
    while (held) {
      others.push((await post(others.length % 2 === 0 ? 'appInfo' : 'listRuns')).ms);
      await sleep(100);
    }
    histogram.disable();
    await writing;
    const after = await post('annotate', { datasetId: dataset.id, split: 'test', index: 0, addTags: ['free'] });
    const line: BusyBenchLine = {
      busy: true,
      holdSeconds,
      p50Ms: round(histogram.percentile(50) / 1e6),
      p99Ms: round(histogram.percentile(99) / 1e6),
      maxMs: round(histogram.max / 1e6),
      writeStatus: firstStatus,
      writeStatuses: statuses,
      writes: writeTimes.length,
      writeMaxMs: round(Math.max(...writeTimes)),
      otherRequests: others.length,
      otherRequestMaxMs: round(Math.max(...others)),
      afterStatus: after.status,
    };
    options.report?.(line);
    return line;
  } finally {
    await web.close();
    await lab.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}
