import {
  FinderThresholds,
  type FinderResult,
  type FinderThresholds as Thresholds,
  type SuspectList,
} from '../../../shared/contract';
import type { CasebookClient } from '../lib/client';

/** The finder's thresholds as the contract defaults them (shown beside each input). */
export const DEFAULT_THRESHOLDS: Thresholds = FinderThresholds.parse({});

/**
 * The interesting-case finder (`#/finder?runs=…`): the ranked lists of the chosen runs' test
 * images under the thresholds on show, and the training images that may be mislabelled
 * (`findSuspects`). A newer request wins; an older answer is dropped.
 */
export class FinderState {
  runIds = $state.raw<number[]>([]);
  thresholds = $state.raw<Thresholds>({ ...DEFAULT_THRESHOLDS });
  limit = $state(12);
  result = $state.raw<FinderResult | null>(null);
  /** Training images whose nearest training images nearly all carry another label (null: not loaded or failed). */
  suspects = $state.raw<SuspectList | null>(null);
  suspectsError = $state<string | null>(null);
  /** Runs whose features are being computed from here. */
  computing = $state.raw<number[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);

  readonly #client: CasebookClient;
  #generation = 0;

  constructor(client: CasebookClient) {
    this.#client = client;
  }

  /** True when a threshold differs from its default. */
  get changed(): boolean {
    return (Object.keys(DEFAULT_THRESHOLDS) as (keyof Thresholds)[]).some(
      (key) => this.thresholds[key] !== DEFAULT_THRESHOLDS[key],
    );
  }

  /** Loads these runs' lists (the same runs again keep what is shown unless `force`). */
  async load(runIds: readonly number[], force = false): Promise<void> {
    const same = runIds.length === this.runIds.length && runIds.every((id, i) => id === this.runIds[i]);
    if (same && !force && (this.result !== null || this.loading)) return;
    const generation = ++this.#generation;
    this.runIds = [...runIds];
    if (!same) {
      this.result = null;
      this.suspects = null;
    }
    this.error = null;
    if (runIds.length === 0) {
      this.loading = false;
      this.result = null;
      this.suspects = null;
      return;
    }
    this.loading = true;
    // the training images' list comes on its own (the test images' lists need not wait for it)
    void this.#loadSuspects(generation);
    const answer = await this.#client.request('findCases', {
      runs: [...runIds],
      limit: this.limit,
      thresholds: { ...this.thresholds },
    });
    if (generation !== this.#generation) return;
    this.loading = false;
    if (answer.ok) this.result = answer.value;
    else {
      this.result = null;
      this.error = answer.error.message;
    }
  }

  /** Queues the features of the chosen runs that have none (the suspects list needs them). */
  async computeFeatures(runIds: readonly number[]): Promise<void> {
    this.computing = [...this.computing, ...runIds.filter((id) => !this.computing.includes(id))];
    for (const id of runIds) {
      const answer = await this.#client.request('computeFeatures', { id });
      if (!answer.ok) {
        this.suspectsError = answer.error.message;
        this.computing = this.computing.filter((other) => other !== id);
      }
    }
  }

  /** Asks for the suspects again when a chosen run's features arrive; returns the disposer. */
  listen(): () => void {
    return this.#client.on('runFeaturesComputed', ({ runId }) => {
      this.computing = this.computing.filter((id) => id !== runId);
      if (this.runIds.includes(runId)) void this.#loadSuspects(this.#generation);
    });
  }

  async #loadSuspects(generation: number): Promise<void> {
    const answer = await this.#client.request('findSuspects', { runs: [...this.runIds], limit: this.limit });
    if (generation !== this.#generation) return;
    this.suspects = answer.ok ? answer.value : null;
    this.suspectsError = answer.ok ? null : answer.error.message;
  }

  /** Sets one threshold (clamped to [0, 1]) and asks again. */
  async setThreshold(key: keyof Thresholds, value: number): Promise<void> {
    if (!Number.isFinite(value)) return;
    this.thresholds = { ...this.thresholds, [key]: Math.min(1, Math.max(0, value)) };
    await this.load(this.runIds, true);
  }

  async reset(): Promise<void> {
    this.thresholds = { ...DEFAULT_THRESHOLDS };
    await this.load(this.runIds, true);
  }
}
