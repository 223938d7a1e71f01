import type { ClassBoxplots } from '../../../shared/contract';
import type { CasebookClient } from '../lib/client';

/**
 * A run's per-true-class boxplots (getClassBoxplots), for its page; asked again for each new
 * evaluation (the key), an older answer dropped.
 */
export class ClassBoxplotsState {
  value = $state.raw<ClassBoxplots | null>(null);
  /** The run and evaluation the value is for ("<runId>:<evaluation key>"). */
  key = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  readonly #client: CasebookClient;
  #generation = 0;

  constructor(client: CasebookClient) {
    this.#client = client;
  }

  /** Loads the run's boxplots unless they are loaded for this key already. */
  async load(runId: number, key: string): Promise<void> {
    const full = `${runId}:${key}`;
    if (this.key === full) return;
    const generation = ++this.#generation;
    this.key = full;
    this.loading = true;
    this.error = null;
    this.value = null;
    const answer = await this.#client.request('getClassBoxplots', { runId });
    if (generation !== this.#generation) return;
    this.loading = false;
    if (answer.ok) this.value = answer.value;
    else this.error = answer.error.message;
  }
}
