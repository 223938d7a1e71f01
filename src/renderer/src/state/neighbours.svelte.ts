import { SvelteMap } from 'svelte/reactivity';
import type { NeighbourResult, Split } from '../../../shared/contract';
import { messageOf, type CasebookClient } from '../lib/client';

/** One run's nearest training images of the image on show. */
export type RunNeighbours =
  | { status: 'loading' }
  | { status: 'ready'; result: NeighbourResult }
  /** The run has no features yet: the user may compute them (`computing` while the job runs). */
  | { status: 'missing'; message: string; computing: boolean }
  | { status: 'error'; message: string };

export interface NeighboursKey {
  split: Split;
  index: number;
  runIds: readonly number[];
  k: number;
}

const sameKey = (a: NeighboursKey | null, b: NeighboursKey): boolean =>
  a !== null &&
  a.split === b.split &&
  a.index === b.index &&
  a.k === b.k &&
  a.runIds.length === b.runIds.length &&
  a.runIds.every((id, i) => id === b.runIds[i]);

/**
 * The k nearest training images of one image, per run (`getNeighbours` run by run). A run without
 * features says so and can compute them (`computeFeatures`); when they arrive
 * (`runFeaturesComputed`) that run is asked again. Answers for an image no longer on show are dropped.
 */
export class NeighboursState {
  key = $state.raw<NeighboursKey | null>(null);
  readonly byRun = new SvelteMap<number, RunNeighbours>();

  readonly #client: CasebookClient;
  #generation = 0;

  constructor(client: CasebookClient) {
    this.#client = client;
  }

  /** True once every run has answered (ready, missing or failed). */
  get settled(): boolean {
    const key = this.key;
    return key !== null && key.runIds.every((id) => (this.byRun.get(id)?.status ?? 'loading') !== 'loading');
  }

  /** Asks every run for the image's neighbours (a no-op for the image already on show). */
  async load(key: NeighboursKey): Promise<void> {
    if (sameKey(this.key, key)) return;
    const generation = ++this.#generation;
    this.key = { ...key, runIds: [...key.runIds] };
    this.byRun.clear();
    for (const runId of key.runIds) this.byRun.set(runId, { status: 'loading' });
    await Promise.all(key.runIds.map((runId) => this.#ask(runId, generation)));
  }

  /** Queues the features job of a run that has none. */
  async compute(runId: number): Promise<void> {
    const current = this.byRun.get(runId);
    if (current?.status !== 'missing') return;
    this.byRun.set(runId, { ...current, computing: true });
    const answer = await this.#client.request('computeFeatures', { id: runId });
    if (!answer.ok) this.byRun.set(runId, { status: 'error', message: answer.error.message });
  }

  /** Follows features being stored and a features job failing; returns the disposer. */
  listen(): () => void {
    const offComputed = this.#client.on('runFeaturesComputed', ({ runId }) => {
      if (this.key?.runIds.includes(runId)) void this.#ask(runId, this.#generation);
    });
    const offFinished = this.#client.on('jobFinished', ({ job }) => {
      if (job.kind !== 'features' || job.status === 'done') return;
      for (const [runId, state] of this.byRun)
        if (state.status === 'missing' && state.computing)
          this.byRun.set(runId, { status: 'error', message: job.error ?? `the features job ${job.status}` });
    });
    return () => {
      offComputed();
      offFinished();
    };
  }

  async #ask(runId: number, generation: number): Promise<void> {
    const key = this.key;
    if (key === null) return;
    try {
      const stored = await this.#client.request('getFeatures', { runId });
      if (generation !== this.#generation) return;
      if (stored.ok && stored.value.length < 2) {
        const computing = this.byRun.get(runId);
        this.byRun.set(runId, {
          status: 'missing',
          message: 'This run has no features yet (runs trained before Casebook stored them).',
          computing: computing?.status === 'missing' && computing.computing,
        });
        return;
      }
      const answer = await this.#client.request('getNeighbours', {
        runId,
        split: key.split,
        index: key.index,
        k: key.k,
      });
      if (generation !== this.#generation) return;
      if (answer.ok) this.byRun.set(runId, { status: 'ready', result: answer.value });
      else this.byRun.set(runId, { status: 'error', message: answer.error.message });
    } catch (error) {
      if (generation === this.#generation) this.byRun.set(runId, { status: 'error', message: messageOf(error) });
    }
  }
}
