import type { BackgroundImage, BackgroundSummary } from '../../../shared/contract';
import type { CasebookClient } from '../lib/client';
import type { ErrorsState } from './errors.svelte';
import { RunResultState } from './run-result.svelte';

/**
 * The background test of the run whose detail is open (`getBackgroundTest`, then
 * `runBackgroundTested` events) and its images that depend most on the background.
 */
export class BackgroundState extends RunResultState<BackgroundSummary> {
  /** The most background-dependent images, most first. */
  images = $state.raw<BackgroundImage[]>([]);
  readonly shown = 8;
  #page = 0;

  constructor(client: CasebookClient, errors: ErrorsState) {
    super(client, errors, 'the background test');
  }

  protected async fetch(runId: number): Promise<BackgroundSummary | null> {
    this.images = [];
    return this.unwrap(await this.client.request('getBackgroundTest', { runId }));
  }

  protected subscribe(deliver: (runId: number, value: BackgroundSummary) => void): () => void {
    const offTested = this.client.on('runBackgroundTested', ({ runId, summary }) => deliver(runId, summary));
    // a test follows one evaluation: a new evaluation of the open run leaves it without one
    const offEvaluated = this.client.on('runEvaluated', ({ runId }) => {
      if (runId === this.runId) void this.load(runId);
    });
    return () => {
      offTested();
      offEvaluated();
    };
  }

  protected override arrived(runId: number): void {
    const page = ++this.#page;
    void this.client
      .request('listBackgroundImages', { runId, order: 'dependence', offset: 0, limit: this.shown })
      .then((result) => {
        if (page !== this.#page || runId !== this.runId) return;
        this.images = this.unwrap(result).items;
      })
      .catch((error: unknown) => this.report(error, `Loading the background test of run ${runId}`));
  }

  /** Asks main to test the open run's background (again). */
  test(): Promise<void> {
    return this.ask((id) => this.client.request('runBackgroundTest', { id }), 'Testing the background of');
  }
}
