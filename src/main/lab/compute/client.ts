/**
 * The main thread's side of the compute thread: started on first use, one worker_threads Worker
 * computing the comparisons, figures and reports from its own read-only connection, so the event loop stays
 * free for other requests meanwhile. Errors come back with their contract code (and SQLite's
 * busy code), so the doors answer as if the request had been computed here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ReportProgress } from '../../../shared/contract';
import { BadRequestError, ConflictError, NotFoundError, UnavailableError } from '../errors';
import type { ComputeAsk, ComputeReply, ComputedName } from './protocol';

/** The file name of the thread's entry in the build (electron.vite.config.ts). */
export const COMPUTE_ENTRY_FILE = 'compute-thread.js';

/**
 * The built entry next to the running bundle (`out/main`, or `out/main/chunks` when this module
 * sits in a shared chunk); undefined when running from TypeScript sources (tests).
 */
export function defaultComputeEntry(here: string = import.meta.dirname): string | undefined {
  return [join(here, COMPUTE_ENTRY_FILE), join(here, '..', COMPUTE_ENTRY_FILE)].find((file) => existsSync(file));
}

type Progress = Omit<ReportProgress, 'reportId'>;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress: (progress: Progress) => void;
}

function rebuild(error: Extract<ComputeReply, { type: 'failed' }>['error']): Error {
  const made =
    error.code === 'not-found'
      ? new NotFoundError(error.message)
      : error.code === 'bad-request'
        ? new BadRequestError(error.message)
        : error.code === 'conflict'
          ? new ConflictError(error.message)
          : error.code === 'unavailable'
            ? new UnavailableError(error.message)
            : new Error(error.message);
  // SQLite's code, so that a busy database is retried as any busy request is
  if (error.sqliteCode !== undefined && !('code' in made)) Object.assign(made, { code: error.sqliteCode });
  return made;
}

export class ComputeThread {
  private worker: Worker | null = null;
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly entry: string | URL,
    private readonly databasePath: string,
  ) {}

  /** Computes `name` over `input` (the request's parsed input) in the thread. */
  run<T>(name: ComputedName, input: unknown, onProgress: (progress: Progress) => void = () => undefined): Promise<T> {
    const worker = this.start();
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (value) => resolve(value as T), reject, onProgress });
      // a pending computation keeps the process alive; an idle thread does not
      worker.ref();
      const ask: ComputeAsk = { type: 'run', id, databasePath: this.databasePath, name, input };
      worker.postMessage(ask);
    });
  }

  /** Ends the thread; what it was computing fails. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new UnavailableError('Casebook is shutting down'));
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.entry);
    worker.unref();
    worker.on('message', (reply: ComputeReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      if (reply.type === 'progress') {
        pending.onProgress(reply.progress);
        return;
      }
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.type === 'done') pending.resolve(reply.value);
      else pending.reject(rebuild(reply.error));
    });
    const gone = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      this.failAll(error);
    };
    worker.on('error', (error) => gone(new Error(`the compute thread failed: ${error.message}`)));
    worker.on('exit', (code) => gone(new Error(`the compute thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}
