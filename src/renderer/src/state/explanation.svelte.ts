import type { CamMethodName, CamScore, ExplanationSummary, ImageExplanation } from '../../../shared/contract';
import type { CasebookClient } from '../lib/client';
import type { ErrorsState } from './errors.svelte';
import { RunResultState } from './run-result.svelte';

export type ExplanationOrder = 'index' | 'background';

/**
 * The Grad-CAM explanation of the run whose detail is open (`getExplanation`, then
 * `runExplained` events) and the page of its test images on show.
 */
export class ExplanationState extends RunResultState<ExplanationSummary> {
  /** The page of images on show, with their maps. */
  images = $state.raw<ImageExplanation[]>([]);
  total = $state(0);
  order = $state<ExplanationOrder>('index');
  offset = $state(0);
  readonly pageSize = 24;
  #page = 0;

  constructor(client: CasebookClient, errors: ErrorsState) {
    super(client, errors, 'the explanation');
  }

  protected async fetch(runId: number): Promise<ExplanationSummary | null> {
    this.images = [];
    this.total = 0;
    return this.unwrap(await this.client.request('getExplanation', { runId }));
  }

  protected subscribe(deliver: (runId: number, value: ExplanationSummary) => void): () => void {
    return this.client.on('runExplained', ({ runId, summary }) => deliver(runId, summary));
  }

  protected override arrived(): void {
    void this.showPage(this.order, this.offset);
  }

  /** Shows the images from `offset` in test order or most background-reliant first. */
  async showPage(order: ExplanationOrder, offset: number): Promise<void> {
    const runId = this.runId;
    if (runId === null) return;
    const page = ++this.#page;
    this.order = order;
    this.offset = offset;
    try {
      const result = this.unwrap(
        await this.client.request('listExplanationImages', { runId, order, offset, limit: this.pageSize }),
      );
      if (page !== this.#page || runId !== this.runId) return;
      this.images = result.items;
      this.total = result.total;
    } catch (error) {
      if (page === this.#page) this.report(error, `Loading the maps of run ${runId}`);
    }
  }

  /** Asks main to explain the open run again (for one class of every image, when `targetClass` is given). */
  explain(method: CamMethodName, score: CamScore, targetClass: number | null): Promise<void> {
    return this.ask(
      (id) =>
        this.client.request('explainRun', {
          id,
          method,
          score,
          ...(targetClass === null ? {} : { targetClass }),
        }),
      'Explaining',
    );
  }
}
