import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EventPayload, Progress } from '../../shared/contract';
import { forkLauncher } from '../lab/jobs/fork';
import { inProcessLauncher, type WorkerLauncher } from '../lab/jobs/manager';
import { Lab } from '../lab/lab';
import type { RemoteJobs } from '../lab/jobs/remote';
import { BLOCKING_BUSY } from '../lab/store/busy';
import { defaultDatabasePath } from '../lab/paths';
import { VERSION } from './version';

/** The `--db` line of every command's usage. */
export const DB_HELP = `  --db <file>        the study database (default: $CASEBOOK_DB, else ${defaultDatabasePath({ ...process.env, CASEBOOK_DB: undefined })})`;

/** The database a command works on: `--db`, else the default. */
export function databasePath(db: string | undefined): string {
  return resolve(db ?? defaultDatabasePath());
}

/** A Lab for a CLI command: jobs in the worker process, job progress to the progress printer. */
export function cliLab(
  databasePath: string,
  onProgress: (progress: Progress) => void = () => undefined,
  options: { agents?: RemoteJobs | undefined } = {},
): Lab {
  return new Lab({
    ...(options.agents ? { agents: options.agents } : {}),
    databasePath,
    mode: 'browser',
    version: VERSION,
    launch: workerLauncher(),
    autoEvaluate: false,
    // a command has nothing to answer meanwhile: it waits in SQLite for another process's write
    busy: BLOCKING_BUSY,
    emit: (name, payload) => {
      if (name === 'jobProgress') onProgress((payload as EventPayload<'jobProgress'>).progress);
    },
  });
}

/**
 * The built worker script when there is one (the app is built: this module is bundled into
 * out/main/cli.js beside out/main/worker.js), else jobs run in this process.
 */
export function workerLauncher(workerScript = resolve(import.meta.dirname, 'worker.js')): WorkerLauncher {
  return existsSync(workerScript) ? forkLauncher(workerScript) : inProcessLauncher;
}
