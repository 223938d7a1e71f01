import { SvelteMap } from 'svelte/reactivity';
import type { CaseDetail, CaseSamples, FinderList, FinderThresholds } from '../../../shared/contract';
import { listRequest, type CaseListQuery } from '../lib/case-query';
import { messageOf, unwrap, type CasebookClient } from '../lib/client';

/** Which case is asked for: the route's key. */
export interface CaseKeyRoute {
  datasetId: number;
  index: number;
  /** Empty: getCase's default (every evaluated run of the dataset). */
  runIds: readonly number[];
  query: CaseListQuery;
}

/** Where the case sits in its list (the gallery's, same runs and query, or the finder list it came from). */
export interface CaseNeighbours {
  /** The image these are the neighbours of. */
  index: number;
  previous: number | null;
  next: number | null;
  /** 1-based position, or null when the image is not in the list (e.g. a tag filter it no longer matches). */
  position: number | null;
  total: number;
}

/** The list's indices fetched page by page (listCases answers at most 500 a page). */
const PAGE = 500;
/** Never walk more than this many images for previous/next. */
const MAX_LIST = 20_000;
/** A finder list is walked through its top entries (findCases answers at most 200). */
const FINDER_LIMIT = 200;

const sameKey = (a: CaseKeyRoute | null, b: CaseKeyRoute): boolean =>
  a !== null &&
  a.datasetId === b.datasetId &&
  a.index === b.index &&
  a.runIds.length === b.runIds.length &&
  a.runIds.every((id, i) => id === b.runIds[i]) &&
  JSON.stringify(a.query) === JSON.stringify(b.query);

const listId = (runIds: readonly number[], query: CaseListQuery): string => JSON.stringify([runIds, query]);

/** Where `index` sits in the list `indices`. */
function place(indices: readonly number[], index: number): CaseNeighbours {
  const at = indices.indexOf(index);
  return {
    index,
    previous: at > 0 ? (indices[at - 1] ?? null) : null,
    next: at >= 0 && at < indices.length - 1 ? (indices[at + 1] ?? null) : null,
    position: at >= 0 ? at + 1 : null,
    total: indices.length,
  };
}

/**
 * One test image across runs (`#/cases/<ds>/test/<i>`): its getCase answer, the stored samples
 * behind each run's boxplots, and its place in the list for previous/next. An answer that arrives
 * after the route moved on (to the next case) is dropped.
 */
export class CaseState {
  key = $state.raw<CaseKeyRoute | null>(null);
  detail = $state.raw<CaseDetail | null>(null);
  loading = $state(false);
  /** Why the case could not be loaded, with the request's error code. */
  error = $state.raw<{ code: string; message: string } | null>(null);
  /** Per run, its samples (null: not stored); absent while loading. */
  readonly samples = new SvelteMap<number, CaseSamples | null>();
  neighbours = $state.raw<CaseNeighbours | null>(null);
  /** Counts the case answers shown (pictures drawn for an older one do not count for this one). */
  loaded = $state(0);

  readonly #client: CasebookClient;
  #generation = 0;
  /** The list's image indices, cached per (runs, query). */
  #list: { id: string; indices: number[] } | null = null;

  /** The finder's thresholds on show: a finder list is walked as the finder shows it. */
  readonly #thresholds: () => FinderThresholds | undefined;

  constructor(client: CasebookClient, thresholds: () => FinderThresholds | undefined = () => undefined) {
    this.#client = client;
    this.#thresholds = thresholds;
  }

  /** The runs shown: the route's (less those deleted since, as getCase says), else those getCase chose. */
  get runIds(): number[] {
    const missing = this.detail?.missingRuns ?? [];
    if (this.key && this.key.runIds.length > 0) return this.key.runIds.filter((id) => !missing.includes(id));
    return this.detail?.runs.map((run) => run.runId) ?? [];
  }

  /** Loads the case (a no-op for the case already shown); stale answers are dropped. */
  async load(key: CaseKeyRoute): Promise<void> {
    if (sameKey(this.key, key) && (this.detail !== null || this.loading)) return;
    const generation = ++this.#generation;
    const listChanged =
      this.key === null ||
      JSON.stringify([this.key.runIds, this.key.query]) !== JSON.stringify([key.runIds, key.query]);
    this.key = key;
    this.loading = true;
    this.error = null;
    this.samples.clear();
    if (listChanged) this.#list = null;
    // Neighbours of the image before must never serve this one (a quick second key press would
    // jump from the old place): known at once from the cached list, else once it is fetched.
    const cached = this.#list?.id === listId(this.runIds, key.query) ? this.#list.indices : null;
    this.neighbours = cached ? place(cached, key.index) : null;
    const result = await this.#client.request('getCase', {
      datasetId: key.datasetId,
      split: 'test',
      index: key.index,
      ...(key.runIds.length > 0 ? { runs: [...key.runIds] } : {}),
    });
    if (generation !== this.#generation) return;
    this.loading = false;
    if (!result.ok) {
      this.detail = null;
      this.error = { code: result.error.code, message: result.error.message };
      return;
    }
    this.detail = result.value;
    this.loaded++;
    void this.#loadSamples(generation, result.value);
    void this.#locate(generation, key);
  }

  /** Reloads the shown case (after a re-evaluation, say). */
  async reload(): Promise<void> {
    const key = this.key;
    if (!key) return;
    this.key = null;
    await this.load(key);
  }

  /** Keeps the shown annotation in step (from annotate answers and annotationChanged events). */
  setAnnotation(annotation: CaseDetail['annotation']): void {
    const detail = this.detail;
    if (
      !detail ||
      detail.datasetId !== annotation.datasetId ||
      detail.split !== annotation.split ||
      detail.index !== annotation.index
    )
      return;
    this.detail = { ...detail, annotation, tags: annotation.tags, note: annotation.note };
  }

  async #loadSamples(generation: number, detail: CaseDetail): Promise<void> {
    const stored = detail.runs.filter((run) => run.samplesStored);
    const answers = await Promise.all(
      stored.map(async (run) => {
        const result = await this.#client.request('getCaseSamples', { runId: run.runId, index: detail.index });
        return [run.runId, result.ok ? result.value : null] as const;
      }),
    );
    if (generation !== this.#generation) return;
    for (const [runId, value] of answers) this.samples.set(runId, value);
  }

  async #locate(generation: number, key: CaseKeyRoute): Promise<void> {
    const runIds = this.runIds;
    if (runIds.length === 0) {
      this.neighbours = null;
      return;
    }
    try {
      const indices = await this.#indices(runIds, key.query);
      if (generation !== this.#generation) return;
      this.neighbours = place(indices, key.index);
    } catch (error) {
      if (generation !== this.#generation) return;
      this.neighbours = null;
      console.error(`casebook: the case list: ${messageOf(error)}`);
    }
  }

  async #indices(runIds: readonly number[], query: CaseListQuery): Promise<number[]> {
    const id = listId(runIds, query);
    if (this.#list?.id === id) return this.#list.indices;
    const indices =
      query.finder !== null ? await this.#finderList(runIds, query.finder) : await this.#galleryList(runIds, query);
    this.#list = { id, indices };
    return indices;
  }

  /** The gallery's list of these runs under the query, page by page. */
  async #galleryList(runIds: readonly number[], query: CaseListQuery): Promise<number[]> {
    const indices: number[] = [];
    for (let offset = 0; offset < MAX_LIST; offset += PAGE) {
      const page = unwrap(await this.#client.request('listCases', listRequest(runIds, query, { offset, limit: PAGE })));
      indices.push(...page.items.map((item) => item.index));
      if (offset + PAGE >= page.total) break;
    }
    return indices;
  }

  /** The top entries of one finder list, under the finder's thresholds, in its order. */
  async #finderList(runIds: readonly number[], list: FinderList): Promise<number[]> {
    const thresholds = this.#thresholds();
    const result = unwrap(
      await this.#client.request('findCases', {
        runs: [...runIds],
        lists: [list],
        limit: FINDER_LIMIT,
        ...(thresholds ? { thresholds: { ...thresholds } } : {}),
      }),
    );
    return result.lists.find((found) => found.list === list)?.entries.map((entry) => entry.index) ?? [];
  }

  /** A filter on tags or notes changes with annotations: the list is asked again next time. */
  forgetList(): void {
    this.#list = null;
  }
}
