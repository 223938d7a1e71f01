// Event-loop delay of the main process while a run trains (README, Reliability): a Lab as the app
// runs it (jobs in the built worker process through forkLauncher), a CNN training on a small
// synthetic dataset for `seconds`, while the API is polled as the app's Runs screen does
// (listRuns and getRun, 4 times a second). `node scripts/bench.mjs --only loop` prints one line:
// `{eventLoop: true, p50Ms, p99Ms, maxMs, seconds, ...}`. Target: p99 ≤ 50 ms.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { forkLauncher } from '../src/main/lab/jobs/fork';
import { Lab } from '../src/main/lab/lab';
import type { RequestInput, RequestName, RequestOutput, RunSummary } from '../src/shared/contract';
import { syntheticDataset } from '../test/helpers/synthetic';
import { storesOf } from '../test/helpers/lab';

export interface LoopBenchLine {
  eventLoop: true;
  /**
   * Event-loop delay percentiles over the measured window (perf_hooks, 10 ms resolution). Node's
   * histogram records the whole interval between its samples, so an idle loop reads ≈ 10 ms: the
   * figures are conservative by that much.
   */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /**
   * The same measure over `idleSeconds` before the run starts (the Lab open, nothing training): what
   * the machine itself adds (other processes on shared cores), not the app.
   */
  idleP50Ms: number;
  idleP99Ms: number;
  idleMaxMs: number;
  /** How long the run trained while measured. */
  seconds: number;
  /** API polls answered (listRuns + getRun pairs), and the slowest answer. */
  polls: number;
  slowestPollMs: number;
  /** Events the Lab emitted (progress and run updates), as a page would receive them. */
  events: number;
  epochsDone: number;
  backend: string | null;
}

export interface LoopBenchOptions {
  /** Seconds of training to measure; default 25. */
  seconds?: number;
  /** Seconds of the idle baseline; default 5. */
  idleSeconds?: number;
  report?: (line: LoopBenchLine) => void;
}

const ROOT = resolve(import.meta.dirname, '..');
const WORKER = join(ROOT, 'out', 'main', 'worker.js');
const round = (value: number, digits = 3): number => Number(value.toPrecision(digits));
const ms = (ns: number): number => round(ns / 1e6);

/** The built worker (built here when out/ is missing). */
function builtWorker(): string {
  if (!existsSync(WORKER)) {
    const built = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
      {
        cwd: ROOT,
        stdio: ['ignore', process.stderr, process.stderr],
      },
    );
    if (built.status !== 0 || !existsSync(WORKER)) throw new Error(`the app did not build: no ${WORKER}`);
  }
  return WORKER;
}

export async function benchEventLoop(options: LoopBenchOptions = {}): Promise<LoopBenchLine> {
  const seconds = options.seconds ?? 25;
  const dir = mkdtempSync(join(tmpdir(), 'casebook-loop-'));
  let events = 0;
  const lab = new Lab({
    databasePath: join(dir, 'study.db'),
    mode: 'browser',
    version: 'bench',
    launch: forkLauncher(builtWorker()),
    autoEvaluate: false,
    emit: () => {
      events += 1;
    },
  });
  const call = async <K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>> => {
    const result = await lab.dispatch(name, input);
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
    return result.value as RequestOutput<K>;
  };
  try {
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 200, test: 10 }));
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await new Promise((done) => setTimeout(done, (options.idleSeconds ?? 5) * 1000));
    idle.disable();
    const { run } = await call('startRun', {
      datasetId: dataset.id,
      model: 'cnn',
      epochs: 1000,
      batchSize: 32,
      patience: 0,
    });
    let current: RunSummary = run;
    // measured from the moment the worker trains (its start-up is not the steady state)
    while (current.status !== 'running') {
      await new Promise((done) => setTimeout(done, 100));
      current = (await call('getRun', { id: run.id })).run;
      if (!['queued', 'running'].includes(current.status))
        throw new Error(`the run ${current.status}: ${current.error}`);
    }
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const started = performance.now();
    let polls = 0;
    let slowest = 0;
    while (performance.now() - started < seconds * 1000) {
      await new Promise((done) => setTimeout(done, 250));
      const asked = performance.now();
      await call('listRuns', {});
      current = (await call('getRun', { id: run.id })).run;
      slowest = Math.max(slowest, performance.now() - asked);
      polls += 1;
    }
    histogram.disable();
    const line: LoopBenchLine = {
      eventLoop: true,
      p50Ms: ms(histogram.percentile(50)),
      p99Ms: ms(histogram.percentile(99)),
      maxMs: ms(histogram.max),
      meanMs: ms(histogram.mean),
      idleP50Ms: ms(idle.percentile(50)),
      idleP99Ms: ms(idle.percentile(99)),
      idleMaxMs: ms(idle.max),
      seconds: round((performance.now() - started) / 1000),
      polls,
      slowestPollMs: round(slowest),
      events,
      epochsDone: current.epochsDone,
      backend: current.backend,
    };
    options.report?.(line);
    await call('cancelRun', { id: run.id });
    return line;
  } finally {
    await lab.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}
