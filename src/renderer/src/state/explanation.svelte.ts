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
  /** A second of the run's explanations shown beside the first (null: none), its summary and the same page of its maps. */
  besideId = $state<number | null>(null);
  besideSummary = $state.raw<ExplanationSummary | null>(null);
  besideImages = $state.raw<ImageExplanation[]>([]);
  #page = 0;
  #besideRun: number | null = null;

  constructor(client: CasebookClient, errors: ErrorsState) {
    super(client, errors, 'the explanation');
  }

  protected async fetch(runId: number): Promise<ExplanationSummary | null> {
    this.images = [];
    this.total = 0;
    if (runId !== this.#besideRun) this.besideId = null;
    this.#besideRun = runId;
    return this.unwrap(await this.client.request('getExplanation', { runId }));
  }

  protected subscribe(deliver: (runId: number, value: ExplanationSummary) => void): () => void {
    const offExplained = this.client.on('runExplained', ({ runId, summary }) => deliver(runId, summary));
    // another page (or the CLI) picked which explanation the run shows: show that one here too
    const offShown = this.client.on('explanationShown', ({ runId, explanationId }) => {
      if (runId !== this.runId) return;
      if (this.besideId === explanationId) this.besideId = null;
      void this.load(runId);
    });
    return () => {
      offExplained();
      offShown();
    };
  }

  /** Shows a second explanation of the open run beside the first (null: none). */
  async showBeside(explanationId: number | null): Promise<void> {
    this.besideId = explanationId;
    this.besideSummary = null;
    this.besideImages = [];
    const runId = this.runId;
    if (runId === null || explanationId === null) return;
    try {
      const summary = this.unwrap(await this.client.request('getExplanation', { runId, explanationId }));
      if (this.besideId !== explanationId || runId !== this.runId) return;
      this.besideSummary = summary;
    } catch (error) {
      this.report(error, `Loading explanation ${explanationId} of run ${runId}`);
    }
    await this.showPage(this.order, this.offset);
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
      // the second explanation's maps of the same images (its own background order differs: one by one)
      const besideId = this.besideId;
      if (besideId === null) {
        this.besideImages = [];
        return;
      }
      const found = await Promise.all(
        result.items.map(async ({ index }) =>
          this.unwrap(await this.client.request('getExplanationImage', { runId, explanationId: besideId, index })),
        ),
      );
      if (page !== this.#page || runId !== this.runId || besideId !== this.besideId) return;
      this.besideImages = found.flatMap((f) => (f === null ? [] : [f.image]));
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
