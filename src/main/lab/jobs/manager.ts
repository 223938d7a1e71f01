import { randomUUID } from 'node:crypto';
import type { EventName, EventPayload, JobInfo } from '../../../shared/contract';
import { FromWorker, type JobSpec, type ToWorker } from './protocol';
import { isAbort, runJob } from './run';

/** A running worker, whatever process carries it. */
export interface WorkerHandle {
  post(message: ToWorker): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the worker is gone; `reason` says why when it died unexpectedly. */
  onExit(listener: (reason: string | null) => void): void;
  kill(): void;
}

/** Starts a worker process (child_process.fork under Node, utilityProcess under Electron). */
export type WorkerLauncher = () => WorkerHandle;

export type Emit = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

interface Entry {
  info: JobInfo;
  worker: WorkerHandle;
  settled: boolean;
}

const CANCEL_GRACE_MS = 5_000;

/** Runs heavy jobs off the caller's thread, one worker per job, and reports them as contract events. */
export class JobManager {
  private readonly jobs = new Map<string, Entry>();

  constructor(private readonly options: { databasePath: string; launch: WorkerLauncher; emit: Emit }) {}

  start(job: JobSpec, title: string): JobInfo {
    const id = randomUUID();
    const info: JobInfo = { id, kind: job.kind, title, status: 'running', error: null };
    const worker = this.options.launch();
    const entry: Entry = { info, worker, settled: false };
    this.jobs.set(id, entry);
    worker.onMessage((raw) => this.receive(entry, raw));
    worker.onExit((reason) => {
      if (!entry.settled) this.settle(entry, 'failed', reason ?? 'the worker stopped before the job finished', null);
    });
    worker.post({ type: 'run', jobId: id, databasePath: this.options.databasePath, job });
    return { ...info };
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((entry) => ({ ...entry.info }));
  }

  cancel(jobId: string): JobInfo {
    const entry = this.jobs.get(jobId);
    if (!entry) throw new JobNotFoundError(`no job with id ${jobId}`);
    if (!entry.settled) {
      entry.worker.post({ type: 'cancel', jobId });
      setTimeout(() => {
        if (!entry.settled) {
          entry.worker.kill();
          this.settle(entry, 'cancelled', 'cancelled', null);
        }
      }, CANCEL_GRACE_MS).unref();
    }
    return { ...entry.info };
  }

  /** Stops every running worker (on quit). */
  dispose(): void {
    for (const entry of this.jobs.values()) if (!entry.settled) entry.worker.kill();
  }

  private receive(entry: Entry, raw: unknown): void {
    const parsed = FromWorker.safeParse(raw);
    if (!parsed.success) {
      this.settle(entry, 'failed', `the worker sent a malformed message: ${parsed.error.message}`, null);
      entry.worker.kill();
      return;
    }
    const message = parsed.data;
    if (message.jobId !== entry.info.id || entry.settled) return;
    switch (message.type) {
      case 'progress':
        this.options.emit('jobProgress', { jobId: message.jobId, progress: message.progress });
        break;
      case 'done':
        this.settle(entry, 'done', null, message.result);
        break;
      case 'failed':
        this.settle(entry, message.cancelled ? 'cancelled' : 'failed', message.error, null);
        break;
    }
  }

  private settle(
    entry: Entry,
    status: JobInfo['status'],
    error: string | null,
    result: EventPayload<'jobFinished'>['result'],
  ): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.info = { ...entry.info, status, error };
    entry.worker.kill();
    this.options.emit('jobFinished', { job: { ...entry.info }, result });
    if (result) this.options.emit('datasetsChanged', {});
  }
}

export class JobNotFoundError extends Error {
  override name = 'NotFoundError';
}

/**
 * Runs jobs in this process, speaking the same protocol as a real worker. For tests and for
 * hosts that cannot start processes; heavy jobs then share this process's thread.
 */
export const inProcessLauncher: WorkerLauncher = () => {
  let listener: (message: unknown) => void = () => undefined;
  let exitListener: (reason: string | null) => void = () => undefined;
  const controller = new AbortController();
  return {
    post(message) {
      if (message.type === 'cancel') {
        controller.abort();
        return;
      }
      const send = (reply: FromWorker) => queueMicrotask(() => listener(reply));
      runJob(message.job, {
        databasePath: message.databasePath,
        signal: controller.signal,
        onProgress: (progress) => send({ type: 'progress', jobId: message.jobId, progress }),
      }).then(
        (result) => send({ type: 'done', jobId: message.jobId, result }),
        (error: unknown) =>
          send({ type: 'failed', jobId: message.jobId, error: errorMessage(error), cancelled: isAbort(error) }),
      );
    },
    onMessage(l) {
      listener = l;
    },
    onExit(l) {
      exitListener = l;
    },
    kill() {
      controller.abort();
      exitListener('killed');
    },
  };
};

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
