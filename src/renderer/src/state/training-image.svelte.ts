import type { CaseDetail } from '../../../shared/contract';
import type { CasebookClient } from '../lib/client';
import { NeighboursState } from './neighbours.svelte';

/**
 * A training image's own view (`#/cases/<ds>/train/<i>`): its label, classes and annotation (a
 * case of the training split: `getCase` answers it without runs), and per run its nearest
 * training images (`neighbours`). An answer for an image no longer on show is dropped.
 */
export class TrainingImageState {
  key = $state.raw<{ datasetId: number; index: number } | null>(null);
  detail = $state.raw<CaseDetail | null>(null);
  error = $state.raw<{ code: string; message: string } | null>(null);
  readonly neighbours: NeighboursState;

  readonly #client: CasebookClient;
  #generation = 0;

  constructor(client: CasebookClient) {
    this.#client = client;
    this.neighbours = new NeighboursState(client);
  }

  async load(key: { datasetId: number; index: number }): Promise<void> {
    if (this.key?.datasetId === key.datasetId && this.key.index === key.index && (this.detail || this.error)) return;
    const generation = ++this.#generation;
    this.key = key;
    this.detail = null;
    this.error = null;
    const answer = await this.#client.request('getCase', {
      datasetId: key.datasetId,
      split: 'train',
      index: key.index,
    });
    if (generation !== this.#generation) return;
    if (answer.ok) this.detail = answer.value;
    else this.error = { code: answer.error.code, message: answer.error.message };
  }

  /** Keeps the shown annotation current (another window or the CLI changed it). */
  setAnnotation(annotation: CaseDetail['annotation']): void {
    const detail = this.detail;
    if (
      !detail ||
      annotation.split !== 'train' ||
      detail.datasetId !== annotation.datasetId ||
      detail.index !== annotation.index
    )
      return;
    this.detail = { ...detail, annotation, tags: annotation.tags, note: annotation.note };
  }
}
