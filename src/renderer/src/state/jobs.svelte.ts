import { SvelteMap } from 'svelte/reactivity';
import type { EventPayload, ImportResult, JobInfo, Progress } from '../../../shared/contract';
import { unwrap, type CasebookClient } from '../lib/client';
import type { ErrorsState } from './errors.svelte';

export interface FinishedJob {
  job: JobInfo;
  /** The import's result when it succeeded and the app saw its `jobFinished` event. */
  result: ImportResult | null;
}

export interface JobView {
  job: JobInfo;
  progress: Progress | null;
  finished: FinishedJob | null;
}

/**
 * Jobs the app knows about, their latest progress and how they ended. Events may arrive before the
 * request that started a job has answered, so progress and endings are kept by job id on their own.
 */
export class JobsState {
  readonly #jobs = new SvelteMap<string, JobInfo>();
  readonly #progress = new SvelteMap<string, Progress>();
  readonly #finished = new SvelteMap<string, FinishedJob>();
  readonly #client: CasebookClient;
  readonly #errors: ErrorsState;

  /** Every known job, newest last, with what is known of it. */
  readonly all: JobView[] = $derived(
    [...this.#jobs.values()].map((job) => ({
      job: this.#finished.get(job.id)?.job ?? job,
      progress: this.#progress.get(job.id) ?? null,
      finished: this.#finished.get(job.id) ?? null,
    })),
  );
  readonly running: JobView[] = $derived(this.all.filter((view) => view.finished === null));
  readonly finished: JobView[] = $derived(this.all.filter((view) => view.finished !== null));

  constructor(client: CasebookClient, errors: ErrorsState) {
    this.#client = client;
    this.#errors = errors;
  }

  /** Subscribes to `jobProgress` and `jobFinished`; returns the disposer. */
  listen(onFinished?: (event: EventPayload<'jobFinished'>) => void): () => void {
    const offProgress = this.#client.on('jobProgress', ({ jobId, progress }) => {
      this.#progress.set(jobId, progress);
      // Main queues some jobs by itself (a finished run's evaluation and explanation): ask for their titles.
      if (!this.#jobs.has(jobId) && !this.#finished.has(jobId)) this.learn();
    });
    const offFinished = this.#client.on('jobFinished', (event) => {
      this.#jobs.set(event.job.id, event.job);
      this.#finished.set(event.job.id, { job: event.job, result: event.result });
      onFinished?.(event);
    });
    return () => {
      offProgress();
      offFinished();
    };
  }

  /** Records a job the app started or was told about (a newer status replaces an older one). */
  track(job: JobInfo): void {
    const known = this.#jobs.get(job.id);
    if (!known || (known.status === 'queued' && job.status !== 'queued')) this.#jobs.set(job.id, job);
    // An ending seen only here (no event) carries no result; an event's ending is never overwritten.
    const ended = job.status !== 'running' && job.status !== 'queued';
    if (ended && !this.#finished.has(job.id)) this.#finished.set(job.id, { job, result: null });
  }

  /**
   * Asks main for its jobs (on start and after a reconnect, when events may have been missed). A job
   * the app thought running that main no longer lists (main restarted) is shown as failed.
   */
  async refresh(): Promise<boolean> {
    const runningBefore = this.running.map((view) => view.job);
    try {
      const listed = unwrap(await this.#client.request('listJobs', {}));
      for (const job of listed) this.track(job);
      const known = listed.map((job) => job.id);
      for (const job of runningBefore) {
        if (known.includes(job.id) || this.#finished.has(job.id)) continue;
        const lost: JobInfo = {
          ...job,
          status: 'failed',
          error: 'Casebook no longer knows this job (did it restart?).',
        };
        this.#finished.set(job.id, { job: lost, result: null });
      }
      return true;
    } catch (error) {
      this.#errors.report(error, 'Loading jobs');
      return false;
    }
  }

  #learning: Promise<boolean> | null = null;

  /** Asks for the jobs again (one request at a time): for jobs main queued by itself. */
  learn(): void {
    if (this.#learning !== null) return;
    this.#learning = this.refresh().finally(() => {
      this.#learning = null;
    });
  }

  view(jobId: string): JobView | null {
    const job = this.#jobs.get(jobId);
    const finished = this.#finished.get(jobId) ?? null;
    const progress = this.#progress.get(jobId) ?? null;
    if (!job && !finished) return progress ? { job: pendingJob(jobId), progress, finished } : null;
    return { job: finished?.job ?? job ?? pendingJob(jobId), progress, finished };
  }
}

/** Stands in for a job whose events arrived before the request that started it answered. */
const pendingJob = (id: string): JobInfo => ({ id, kind: 'import', title: 'Import', status: 'running', error: null });
