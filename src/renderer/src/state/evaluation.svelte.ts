import type { RunMetrics, StatMetric } from '../../../shared/contract';
import type { CasebookClient } from '../lib/client';
import type { ErrorsState } from './errors.svelte';
import { ClassBoxplotsState } from './class-boxplots.svelte';
import { RunResultState } from './run-result.svelte';

/** A metric's 95 % bootstrap interval over test images, by metric; null where it has none. */
export type MetricIntervals = Partial<Record<StatMetric, readonly [number, number] | null>>;

/** The evaluation of the run whose detail is open (`getEvaluation`, then `runEvaluated` events). */
export class EvaluationState extends RunResultState<RunMetrics> {
  /** The open run's per-true-class boxplots (stochastic runs). */
  readonly boxplots: ClassBoxplotsState;

  constructor(client: CasebookClient, errors: ErrorsState) {
    super(client, errors, 'the evaluation');
    this.boxplots = new ClassBoxplotsState(client);
  }

  /** The newest evaluation of the open run; null when it has none (yet). */
  get metrics(): RunMetrics | null {
    return this.value;
  }

  protected async fetch(runId: number): Promise<RunMetrics | null> {
    return this.unwrap(await this.client.request('getEvaluation', { runId }));
  }

  protected subscribe(deliver: (runId: number, value: RunMetrics) => void): () => void {
    return this.client.on('runEvaluated', ({ runId, metrics }) => deliver(runId, metrics));
  }

  /**
   * The 95 % bootstrap intervals of a run's metrics (the compare view's, `compareRuns` of the run
   * alone); null when they cannot be had (no evaluation, an error: the values stand without them).
   */
  async intervals(runId: number): Promise<MetricIntervals | null> {
    const result = await this.client.request('compareRuns', { runIds: [runId] });
    if (!result.ok) return null;
    return Object.fromEntries(result.value.estimates.filter((e) => e.runId === runId).map((e) => [e.metric, e.ci]));
  }

  /** Asks main to evaluate the open run again (T samples per image for stochastic runs). */
  reevaluate(samples: number | undefined): Promise<void> {
    return this.ask(
      (id) => this.client.request('evaluateRun', samples === undefined ? { id } : { id, samples }),
      'Evaluating',
    );
  }
}
