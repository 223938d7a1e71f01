import { randomUUID } from 'node:crypto';
import { events, type EventName, type EventPayload, type JobInfo } from '../../../shared/contract';
import { NotFoundError, UnavailableError } from '../errors';
import { errorMessage } from './errors';
import { FromWorker, type JobSpec, type ToWorker } from './protocol';
import { workerCore } from './worker-core';

export { errorMessage };

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
  spec: JobSpec;
  worker: WorkerHandle | null;
  settled: boolean;
  /** Starts before jobs queued without `next` (see `start`). */
  next: boolean;
  /** The job this one waits for (see `start`). */
  after: string | null;
  /** Launched on the remote launcher (training agents): it stays there whatever `setRemote` does later. */
  remote: boolean;
  result?: EventPayload<'jobFinished'>['result'];
}

export interface JobManagerOptions {
  databasePath: string;
  launch: WorkerLauncher;
  emit: Emit;
  /** Called once per job when it ends, however it ends (for bookkeeping such as run status). */
  onSettled?: (info: JobInfo, spec: JobSpec) => void;
  /** Import jobs that may run at once (default MAX_IMPORTS); later ones queue. */
  maxImports?: number;
  /**
   * Jobs run elsewhere (training agents): launched with their own launcher as soon as they are
   * queued, never waiting for a local one, and not counted against the local limits.
   */
  remote?: { is: (spec: JobSpec) => boolean; launch: WorkerLauncher };
}

/** Each import worker holds its archive's kept images (up to a few hundred MB): two at once. */
export const MAX_IMPORTS = 2;

const CANCEL_GRACE_MS = 5_000;
/** How long `shutdown` waits for running jobs to stop on their own before killing their workers. */
export const SHUTDOWN_GRACE_MS = 3_000;

/**
 * Runs heavy jobs in worker processes, one worker per job, and reports them as contract events.
 * Training and evaluation jobs run one at a time (they would only share the same cores), imports
 * at most `maxImports` at a time; later ones queue.
 */
export class JobManager {
  private readonly jobs = new Map<string, Entry>();

  /** Set by `shutdown`: nothing new starts. */
  private stopping = false;

  private remoteJobs: JobManagerOptions['remote'] | null;

  constructor(private readonly options: JobManagerOptions) {
    this.remoteJobs = options.remote ?? null;
  }

  /**
   * Sends the jobs it takes to this remote launcher from now on (null: to the local worker again):
   * the queued jobs not yet started included; a job already launched stays where it runs.
   */
  setRemote(remote: JobManagerOptions['remote'] | null): void {
    this.remoteJobs = remote;
    this.pump();
  }

  /** Whether the job was launched on the remote launcher (it runs on an agent). */
  launchedRemotely(jobId: string): boolean {
    return this.jobs.get(jobId)?.remote === true;
  }

  /** Queues again, for the local worker, a job its remote launcher gave back before anyone ran it. */
  requeue(jobId: string): void {
    const entry = this.jobs.get(jobId);
    if (!entry || entry.settled || !entry.remote) return;
    entry.worker = null;
    entry.remote = false;
    entry.info = { ...entry.info, status: 'queued' };
    this.pump();
  }

  /** Jobs launched on the remote launcher that have not ended yet. */
  openRemote(): number {
    return [...this.jobs.values()].filter((entry) => entry.remote && !entry.settled).length;
  }

  /**
   * Queues a job. With `next`, it starts before the waiting jobs queued without `next` (after
   * those queued with `next` earlier): a finished run's evaluation and explanation go ahead of
   * the trainings still waiting. With `after`, it starts only once that job has ended (however it
   * ended): a run's background test follows its evaluation even when an agent evaluates it.
   */
  start(
    spec: JobSpec,
    title: string,
    { next = false, after = null }: { next?: boolean; after?: string | null } = {},
  ): JobInfo {
    if (this.stopping) throw new UnavailableError(`cannot start "${title}": Casebook is shutting down`);
    const id = randomUUID();
    const entry: Entry = {
      info: { id, kind: spec.kind, title, status: 'queued', error: null },
      spec,
      worker: null,
      settled: false,
      next,
      after,
      remote: false,
    };
    this.jobs.set(id, entry);
    this.pump();
    return { ...entry.info };
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((entry) => ({ ...entry.info }));
  }

  get(jobId: string): JobInfo {
    const entry = this.jobs.get(jobId);
    if (!entry) throw new JobNotFoundError(`no job with id ${jobId}`);
    return { ...entry.info };
  }

  cancel(jobId: string): JobInfo {
    const entry = this.jobs.get(jobId);
    if (!entry) throw new JobNotFoundError(`no job with id ${jobId}`);
    if (entry.settled) return { ...entry.info };
    const worker = entry.worker;
    if (!worker) {
      this.settle(entry, 'cancelled', 'cancelled before it started', null);
      return { ...entry.info };
    }
    worker.post({ type: 'cancel', jobId });
    setTimeout(() => {
      if (!entry.settled) this.settle(entry, 'cancelled', 'cancelled', null);
    }, CANCEL_GRACE_MS).unref();
    return { ...entry.info };
  }

  /** Resolves when the job has ended (for the CLI). */
  finished(jobId: string): Promise<EventPayload<'jobFinished'>> {
    return new Promise((resolve) => {
      const check = () => {
        const entry = this.jobs.get(jobId);
        if (!entry) throw new JobNotFoundError(`no job with id ${jobId}`);
        if (entry.settled) resolve({ job: { ...entry.info }, result: entry.result ?? null });
        else this.waiters.push(check);
      };
      check();
    });
  }

  /**
   * Stops for good: nothing new starts, queued jobs settle as cancelled without starting, running
   * jobs are asked to stop (reason 'shutdown') and their workers killed after `graceMs` if they
   * have not. Resolves when every job has settled.
   */
  async shutdown(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    this.stopping = true;
    const open = () => [...this.jobs.values()].filter((entry) => !entry.settled);
    for (const entry of open())
      if (!entry.worker) this.settle(entry, 'cancelled', 'Casebook stopped before this job started', null);
    for (const entry of open()) entry.worker?.post({ type: 'cancel', jobId: entry.info.id, reason: 'shutdown' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        const check = () => (open().length === 0 ? resolve() : this.waiters.push(check));
        check();
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const entry of open()) this.settle(entry, 'cancelled', 'Casebook stopped; the job was killed', null);
  }

  /** Stops every running worker (on quit). */
  dispose(): void {
    for (const entry of this.jobs.values()) if (!entry.settled) entry.worker?.kill();
  }

  private waiters: (() => void)[] = [];

  /** Starts queued jobs that may run now. */
  private pump(): void {
    if (this.stopping) return;
    const entries = [...this.jobs.values()];
    for (const entry of [...entries.filter((e) => e.next), ...entries.filter((e) => !e.next)]) {
      if (entry.settled || entry.worker) continue;
      if (entry.after !== null && this.jobs.get(entry.after)?.settled === false) continue;
      if (this.isRemote(entry)) {
        this.launch(entry);
        continue;
      }
      if (heavy(entry.spec) && this.runningHeavy()) continue;
      if (!heavy(entry.spec) && this.runningImports() >= (this.options.maxImports ?? MAX_IMPORTS)) continue;
      this.launch(entry);
    }
  }

  /** Whether a job not yet launched goes to the remote launcher. */
  private isRemote(entry: Entry): boolean {
    return this.remoteJobs?.is(entry.spec) === true;
  }

  private runningHeavy(): boolean {
    return [...this.jobs.values()].some((e) => heavy(e.spec) && !e.remote && e.worker !== null && !e.settled);
  }

  private runningImports(): number {
    return [...this.jobs.values()].filter((e) => !heavy(e.spec) && e.worker !== null && !e.settled).length;
  }

  private launch(entry: Entry): void {
    const remote = this.isRemote(entry) ? this.remoteJobs : null;
    const worker = remote ? remote.launch() : this.options.launch();
    entry.remote = remote !== null;
    entry.worker = worker;
    entry.info = { ...entry.info, status: 'running' };
    worker.onMessage((raw) => this.receive(entry, raw));
    worker.onExit((reason) => {
      if (!entry.settled) this.settle(entry, 'failed', reason ?? 'the worker stopped before the job finished', null);
    });
    worker.post({ type: 'run', jobId: entry.info.id, databasePath: this.options.databasePath, job: entry.spec });
  }

  private receive(entry: Entry, raw: unknown): void {
    const parsed = FromWorker.safeParse(raw);
    if (!parsed.success) {
      this.settle(entry, 'failed', `the worker sent a malformed message: ${parsed.error.message}`, null);
      return;
    }
    const message = parsed.data;
    if (message.jobId !== entry.info.id || entry.settled) return;
    switch (message.type) {
      case 'progress':
        this.options.emit('jobProgress', { jobId: message.jobId, progress: message.progress });
        break;
      case 'event': {
        const name = message.name as EventName;
        const payload = events[name].safeParse(message.payload);
        if (payload.success) this.options.emit(name, payload.data as EventPayload<typeof name>);
        else console.error(`job ${entry.info.id}: dropped a malformed ${name} event: ${payload.error.message}`);
        break;
      }
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
    entry.result = result;
    entry.info = { ...entry.info, status, error };
    entry.worker?.kill();
    this.options.onSettled?.({ ...entry.info }, entry.spec);
    this.options.emit('jobFinished', { job: { ...entry.info }, result });
    if (result) this.options.emit('datasetsChanged', {});
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
    this.pump();
  }
}

/** Jobs that use every core for long (training, evaluation, explanation): they run one at a time. */
function heavy(spec: JobSpec): boolean {
  return spec.kind !== 'import';
}

/** No job with that id. */
export class JobNotFoundError extends NotFoundError {
  override name = 'JobNotFoundError';
}

/**
 * Runs jobs in this process, speaking the same protocol as a real worker. For tests and for
 * hosts that cannot start processes; heavy jobs then share this process's thread.
 */
export const inProcessLauncher: WorkerLauncher = () => {
  let listener: (message: unknown) => void = () => undefined;
  let exitListener: (reason: string | null) => void = () => undefined;
  let alive = true;
  const receive = workerCore((reply) => queueMicrotask(() => listener(reply)));
  let jobId: string | null = null;
  return {
    post(message) {
      if (message.type === 'run') jobId = message.jobId;
      receive(message);
    },
    onMessage(l) {
      listener = l;
    },
    onExit(l) {
      exitListener = l;
    },
    kill() {
      if (!alive) return;
      alive = false;
      if (jobId) receive({ type: 'cancel', jobId });
      exitListener('killed');
    },
  };
};
