import type { ImageExplanation, RunExplanations } from '../../../shared/contract';
import { unwrap, type CasebookClient } from '../lib/client';
import type { ErrorsState } from './errors.svelte';

/**
 * Every run's explanations and the one its pages show (`listExplanations`), for the pickers of
 * the run page, the gallery and the case view. The choice is main's, stored per run: picking
 * here asks main (`showExplanation`), and main's `explanationShown` and `runExplained` events
 * bring every page the new choice.
 */
export class ExplanationsState {
  /** By run id, for the runs a page asked about. */
  byRun = $state.raw<Record<number, RunExplanations>>({});
  readonly #client: CasebookClient;
  readonly #errors: ErrorsState;

  constructor(client: CasebookClient, errors: ErrorsState) {
    this.#client = client;
    this.#errors = errors;
  }

  /** Reloads a run's list when a new explanation is made or another is picked; `changed` hears of it. */
  listen(changed: (runId: number) => void = () => undefined): () => void {
    const heard = (runId: number) => {
      if (runId in this.byRun) void this.load(runId);
      changed(runId);
    };
    const offExplained = this.#client.on('runExplained', ({ runId }) => heard(runId));
    const offShown = this.#client.on('explanationShown', ({ runId }) => heard(runId));
    return () => {
      offExplained();
      offShown();
    };
  }

  async load(runId: number): Promise<void> {
    try {
      const listed = unwrap(await this.#client.request('listExplanations', { runId }));
      this.byRun = { ...this.byRun, [runId]: listed };
    } catch (error) {
      this.#errors.report(error, `Loading the explanations of run ${runId}`);
    }
  }

  /** Makes `explanationId` the one run `runId`'s pages show. */
  async show(runId: number, explanationId: number): Promise<void> {
    try {
      const listed = unwrap(await this.#client.request('showExplanation', { runId, explanationId }));
      this.byRun = { ...this.byRun, [runId]: listed };
    } catch (error) {
      this.#errors.report(error, `Showing explanation ${explanationId} of run ${runId}`);
    }
  }

  /** One test image's maps in one of the run's explanations (for a second one side by side), or null. */
  async image(
    runId: number,
    explanationId: number,
    index: number,
  ): Promise<{ mapShape: [number, number]; image: ImageExplanation } | null> {
    try {
      return unwrap(await this.#client.request('getExplanationImage', { runId, explanationId, index }));
    } catch (error) {
      this.#errors.report(error, `Loading explanation ${explanationId} of run ${runId}`);
      return null;
    }
  }
}
