import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { WorkerLauncher } from '../../src/main/lab/jobs/manager';
import { Lab, type LabOptions } from '../../src/main/lab/lab';
import type { RecordedEvent } from './lab';

/**
 * A worker that takes its job and never answers until it is told to cancel (then it reports the
 * cancel): its run stays claimed and queued for as long as a test needs.
 */
export const holdingLauncher: WorkerLauncher = () => {
  let listener: (message: unknown) => void = () => undefined;
  let exit: (reason: string | null) => void = () => undefined;
  let jobId: string | null = null;
  return {
    post: (message) => {
      if (message.type === 'run') jobId = message.jobId;
      else if (message.jobId === jobId)
        queueMicrotask(() => listener({ type: 'failed', jobId, error: 'cancelled', cancelled: true }));
    },
    onMessage: (l) => {
      listener = l;
    },
    onExit: (l) => {
      exit = l;
    },
    kill: () => exit(null),
  };
};

/** A lab on `dir/study.db` recording its events. */
export function labOn(dir: string, options: Partial<LabOptions> = {}): { lab: Lab; events: RecordedEvent[] } {
  const events: RecordedEvent[] = [];
  const lab = new Lab({
    databasePath: join(dir, 'study.db'),
    mode: 'browser',
    version: 'test',
    launch: holdingLauncher,
    emit: (name, payload) => events.push({ name, payload }),
    ...options,
  });
  return { lab, events };
}

/** Polls `test` until it returns a value other than undefined, failing after `ms`. */
export async function eventually<T>(test: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = test();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The pid of a process that has exited (so no process has it, barring reuse). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const ROOT = resolve(import.meta.dirname, '../..');
/** The casebook command (builds the app first when the build is missing or stale). */
export const CASEBOOK_BIN = join(ROOT, 'bin', 'casebook.mjs');
/** The built worker script. */
export const BUILT_WORKER = join(ROOT, 'out', 'main', 'worker.js');

/** Builds the app when its build is missing or older than the sources (as `casebook` does). */
export function ensureBuilt(): void {
  const result = spawnSync(process.execPath, [CASEBOOK_BIN, '--version'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the app did not build: ${result.stderr}`);
}
