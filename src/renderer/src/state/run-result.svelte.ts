import type { JobInfo, Result } from '../../../shared/contract';
import { unwrap, type CasebookClient } from '../lib/client';
import type { ErrorsState } from './errors.svelte';

/**
 * The newest result of a job about the run whose detail is open (its evaluation, its
 * explanation): loaded when the run is opened, replaced by main's event for that run (no
 * polling), asked for again on demand. Subclasses say how to load it and which event brings it.
 */
export abstract class RunResultState<T> {
  runId = $state<number | null>(null);
  /** The newest result of the open run; null when it has none (yet). */
  value = $state.raw<T | null>(null);
  /** True while the first load has not answered. */
  loading = $state(false);
  /** True from a request until its result arrives (or the request failed). */
  requested = $state(false);

  /** Told of every job this state starts, for the activity indicator. */
  onJob: ((job: JobInfo) => void) | null = null;
  protected readonly client: CasebookClient;
  readonly #errors: ErrorsState;
  #generation = 0;
  /** Bumped by each result event for the open run: an answer older than an event is not news. */
  #heard = 0;
  /** The job asked for, until its result or its failure is heard. */
  #jobId: string | null = null;

  constructor(
    client: CasebookClient,
    errors: ErrorsState,
    /** What the result is called in error titles, e.g. "the evaluation". */
    private readonly noun: string,
  ) {
    this.client = client;
    this.#errors = errors;
  }

  /** The stored result of a run, or null. */
  protected abstract fetch(runId: number): Promise<T | null>;
  /** Subscribes `deliver` to main's event carrying a new result; returns the disposer. */
  protected abstract subscribe(deliver: (runId: number, value: T) => void): () => void;
  /** Called after a result arrived for the open run (loaded or pushed). */
  protected arrived(_runId: number): void {}

  /** Subscribes to the result event (and `jobFinished`, for a request that failed); returns the disposer. */
  listen(): () => void {
    const offResult = this.subscribe((runId, value) => {
      if (runId !== this.runId) return;
      this.#heard += 1;
      this.value = value;
      this.requested = false;
      this.#jobId = null;
      this.arrived(runId);
    });
    const offFinished = this.client.on('jobFinished', ({ job }) => {
      if (job.id !== this.#jobId || job.status === 'done') return;
      this.#jobId = null;
      this.requested = false;
      if (job.status === 'failed') this.#errors.report(job.error ?? `${this.noun} failed`, job.title);
    });
    return () => {
      offResult();
      offFinished();
    };
  }

  /** Loads the result of a run (null forgets it). */
  async load(runId: number | null): Promise<void> {
    const generation = ++this.#generation;
    this.runId = runId;
    this.value = null;
    this.requested = false;
    this.#jobId = null;
    this.#heard = 0;
    if (runId === null) {
      this.loading = false;
      return;
    }
    this.loading = true;
    const heard = this.#heard;
    try {
      const value = await this.fetch(runId);
      if (generation === this.#generation && this.#heard === heard) {
        this.value = value;
        if (value !== null) this.arrived(runId);
      }
    } catch (error) {
      if (generation === this.#generation) this.#errors.report(error, `Loading ${this.noun} of run ${runId}`);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Starts the job that makes a new result for the open run. */
  protected async ask(start: (runId: number) => Promise<Result<{ job: JobInfo }>>, title: string): Promise<void> {
    const id = this.runId;
    if (id === null || this.requested) return;
    this.requested = true;
    const result = await start(id);
    if (id !== this.runId) return;
    if (!result.ok) {
      this.requested = false;
      this.#errors.report(result.error.message, `${title} run ${id}`);
    } else if (this.requested) {
      const { job } = result.value;
      this.onJob?.(job);
      if (job.status === 'failed' || job.status === 'cancelled') {
        this.requested = false;
        if (job.error !== null) this.#errors.report(job.error, job.title);
      } else {
        this.#jobId = job.id;
      }
    }
  }

  protected report(error: unknown, title: string): void {
    this.#errors.report(error, title);
  }

  protected unwrap<V>(result: Result<V>): V {
    return unwrap(result);
  }
}
