import type { DatasetSummary } from '../../../shared/contract';
import { unwrap, type CasebookClient } from '../lib/client';
import type { ErrorsState } from './errors.svelte';

/** The stored datasets, kept fresh by `datasetsChanged` events, and the one being browsed. */
export class DatasetsState {
  list = $state.raw<DatasetSummary[]>([]);
  /** True once the first list has arrived. */
  loaded = $state(false);
  loading = $state(false);
  selectedId = $state<number | null>(null);
  readonly selected = $derived(this.list.find((dataset) => dataset.id === this.selectedId) ?? null);

  readonly #client: CasebookClient;
  readonly #errors: ErrorsState;
  /** Answers to older refreshes that arrive after newer ones are dropped. */
  #generation = 0;

  constructor(client: CasebookClient, errors: ErrorsState) {
    this.#client = client;
    this.#errors = errors;
  }

  /** Subscribes to `datasetsChanged`; returns the disposer. */
  listen(): () => void {
    return this.#client.on('datasetsChanged', () => void this.refresh());
  }

  /** Loads the list; false (and the error shown) when that failed. */
  async refresh(): Promise<boolean> {
    const generation = ++this.#generation;
    this.loading = true;
    try {
      const list = unwrap(await this.#client.request('listDatasets', {}));
      if (generation !== this.#generation) return true;
      this.list = list;
      this.loaded = true;
      return true;
    } catch (error) {
      this.#errors.report(error, 'Loading datasets');
      return false;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  select(id: number | null): void {
    this.selectedId = id;
  }

  /** Puts a dataset the app just heard about into the list, before the next refresh confirms it. */
  upsert(dataset: DatasetSummary): void {
    const index = this.list.findIndex((known) => known.id === dataset.id);
    this.list = index < 0 ? [...this.list, dataset].sort((a, b) => a.id - b.id) : this.list.with(index, dataset);
  }
}
