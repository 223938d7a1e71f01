import type { RunMetrics } from '../../../shared/contract';
import { unwrap, type CasebookClient } from '../lib/client';
import type { ErrorsState } from './errors.svelte';

/**
 * The evaluation of the run whose detail is open: loaded with `getEvaluation` when the run is
 * opened, replaced by `runEvaluated` events for that run (no polling).
 */
export class EvaluationState {
  runId = $state<number | null>(null);
  /** The newest evaluation of the open run; null when it has none (yet). */
  metrics = $state.raw<RunMetrics | null>(null);
  /** True while `getEvaluation` has not answered. */
  loading = $state(false);
  /** True from a `Re-evaluate` request until its evaluation arrives (or the request failed). */
  requested = $state(false);

  readonly #client: CasebookClient;
  readonly #errors: ErrorsState;
  #generation = 0;
  /** Bumped by each `runEvaluated` for the open run: an answer older than an event is not news. */
  #heard = 0;
  /** The re-evaluation job asked for, until its evaluation or its failure is heard. */
  #jobId: string | null = null;

  constructor(client: CasebookClient, errors: ErrorsState) {
    this.#client = client;
    this.#errors = errors;
  }

  /** Subscribes to `runEvaluated` (and `jobFinished`, for a re-evaluation that failed); returns the disposer. */
  listen(): () => void {
    const offEvaluated = this.#client.on('runEvaluated', ({ runId, metrics }) => {
      if (runId !== this.runId) return;
      this.#heard += 1;
      this.metrics = metrics;
      this.requested = false;
      this.#jobId = null;
    });
    const offFinished = this.#client.on('jobFinished', ({ job }) => {
      if (job.id !== this.#jobId || job.status === 'done') return;
      this.#jobId = null;
      this.requested = false;
      if (job.status === 'failed') this.#errors.report(job.error ?? 'the evaluation failed', job.title);
    });
    return () => {
      offEvaluated();
      offFinished();
    };
  }

  /** Loads the evaluation of a run (null forgets it). */
  async load(runId: number | null): Promise<void> {
    const generation = ++this.#generation;
    this.runId = runId;
    this.metrics = null;
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
      const metrics = unwrap(await this.#client.request('getEvaluation', { runId }));
      if (generation === this.#generation && this.#heard === heard) this.metrics = metrics;
    } catch (error) {
      if (generation === this.#generation) this.#errors.report(error, `Loading the evaluation of run ${runId}`);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Asks main to evaluate the open run again (T samples per image for stochastic runs). */
  async reevaluate(samples: number | undefined): Promise<void> {
    const id = this.runId;
    if (id === null || this.requested) return;
    this.requested = true;
    const result = await this.#client.request('evaluateRun', samples === undefined ? { id } : { id, samples });
    if (id !== this.runId) return;
    if (!result.ok) {
      this.requested = false;
      this.#errors.report(result.error.message, `Evaluating run ${id}`);
    } else if (this.requested) {
      const { job } = result.value;
      if (job.status === 'failed' || job.status === 'cancelled') {
        this.requested = false;
        if (job.error !== null) this.#errors.report(job.error, job.title);
      } else {
        this.#jobId = job.id;
      }
    }
  }
}
