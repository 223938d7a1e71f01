import {
  PRESET_TAGS,
  type Annotation,
  type CasebookApi,
  type CaseCounts,
  type CaseSummary,
} from '../../../shared/contract';
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import type { Colormap } from '../../../shared/heatmap';
import { formatCaseQuery, listRequest, type CaseListQuery } from '../lib/case-query';

/** Cases per `listCases` page (the request allows 500; 120 is a few screens of tiles). */
export const GALLERY_PAGE = 120;

export type GalleryMap = 'predicted' | 'true' | 'spread';

/** How the tiles look (not part of the list: kept out of the URL). */
export interface TileLook {
  /** Tile image size in CSS pixels, 128 to 256. */
  size: number;
  /** Blend the Grad-CAM map in (true) or show the raw image. */
  overlay: boolean;
  /** The run whose map the tiles show. */
  overlayRun: number | null;
  map: GalleryMap;
  colormap: Colormap;
  opacity: number;
}

type Client = Pick<CasebookApi, 'request' | 'on'>;

/** A list whose order comes from the background shares of the runs' shown explanations (the gallery does not list finder lists). */
const dependsOnBackgroundShare = (query: CaseListQuery): boolean => query.sort === 'background';

const keyOf = (datasetId: number, split: string, index: number): string => `${datasetId}/${split}/${index}`;

/**
 * The gallery's list (`#/gallery?runs=…&<case list>`): the filtered, sorted cases of some runs,
 * fetched a page at a time as the grid scrolls to them (never all rows), the sidebar's counts,
 * the focused tile, and the tags the number keys toggle.
 *
 * Answers and events may arrive in any order: a page asked for before a filter change is dropped
 * when it answers after it (a generation number), and every annotation heard (`annotationChanged`
 * or an `annotate` answer) is kept and laid over any page that answers later, so a tile never
 * goes back to tags it no longer has.
 */
export class GalleryState {
  runIds = $state.raw<number[]>([]);
  query = $state.raw<CaseListQuery | null>(null);
  total = $state(0);
  counts = $state.raw<CaseCounts | null>(null);
  /** Loaded pages by page number (a page is replaced, never mutated, so its tiles follow). */
  readonly pages = new SvelteMap<number, readonly CaseSummary[]>();
  /** True until the first page of the current list has answered. */
  loading = $state(false);
  /** Why the list could not be loaded (the runs are not evaluated, not of one dataset…). */
  error = $state<string | null>(null);
  /** Position in the list of the focused tile. */
  focus = $state(0);
  /** Per run, bumped when it is explained again: part of the overlay URLs, so the browser asks anew. */
  versions = $state.raw<Record<number, number>>({});
  look = $state<TileLook>({
    size: 160,
    overlay: true,
    overlayRun: null,
    map: 'predicted',
    colormap: 'viridis',
    opacity: 0.6,
  });
  /** The evaluated top-level runs of a dataset, the run picker's choices (null until asked). */
  candidates = $state.raw<{ datasetId: number; runIds: number[] } | null>(null);
  /** The last annotation request's failure, shown beside the grid. */
  annotateError = $state<string | null>(null);

  readonly #client: Client;
  #generation = 0;
  #countsGeneration = 0;
  readonly #inFlight = new SvelteSet<number>();
  /** Every annotation heard, by image: laid over pages that answer later. */
  readonly #heard = new SvelteMap<string, Pick<Annotation, 'tags' | 'note'>>();

  constructor(client: Client) {
    this.#client = client;
  }

  /** The dataset of the list (from its first loaded case), or null before any has loaded. */
  get datasetId(): number | null {
    for (const page of this.pages.values()) if (page[0]) return page[0].datasetId;
    return null;
  }

  /** The case at a position of the list, or undefined while its page has not loaded. */
  item(position: number): CaseSummary | undefined {
    return this.pages.get(Math.floor(position / GALLERY_PAGE))?.[position % GALLERY_PAGE];
  }

  /** Follows annotations made anywhere and new explanations; returns the disposer. */
  listen(): () => void {
    const offAnnotation = this.#client.on('annotationChanged', ({ annotation }) => this.#apply(annotation, true));
    const offShown = this.#client.on('explanationShown', ({ runId }) => {
      // the tiles show the run's shown explanation: another was picked
      this.versions = { ...this.versions, [runId]: (this.versions[runId] ?? 0) + 1 };
      // and the background shares the list ranks by may come from it (ExplanationStore.forBackground)
      if (this.runIds.includes(runId) && this.query !== null && dependsOnBackgroundShare(this.query))
        void this.#reloadLoaded();
    });
    const offExplained = this.#client.on('runExplained', ({ runId }) => {
      this.versions = { ...this.versions, [runId]: (this.versions[runId] ?? 0) + 1 };
    });
    return () => {
      offAnnotation();
      offShown();
      offExplained();
    };
  }

  /** Shows this list; the same runs and query again keep what is loaded. */
  async load(runIds: readonly number[], query: CaseListQuery): Promise<void> {
    const same =
      this.query !== null &&
      runIds.length === this.runIds.length &&
      runIds.every((id, i) => id === this.runIds[i]) &&
      formatCaseQuery(query).toString() === formatCaseQuery(this.query).toString();
    if (same) return;
    const runsChanged = runIds.join(',') !== this.runIds.join(',');
    this.#generation++;
    this.#inFlight.clear();
    this.runIds = [...runIds];
    this.query = query;
    this.pages.clear();
    this.total = 0;
    this.focus = 0;
    this.error = null;
    if (runsChanged || this.look.overlayRun === null || !runIds.includes(this.look.overlayRun))
      this.look.overlayRun = runIds[0] ?? null;
    if (runIds.length === 0) {
      this.counts = null;
      this.loading = false;
      return;
    }
    this.loading = true;
    await this.#fetch(0, true);
  }

  /**
   * Asks again for every page on show (the same list, new values): the old tiles stay until their
   * page answers, the focus stays where it is; answers to the list before it are dropped.
   */
  async #reloadLoaded(): Promise<void> {
    if (this.query === null || this.runIds.length === 0 || this.loading) return;
    const pages = [0, ...this.pages.keys(), ...this.#inFlight].filter((p, i, all) => all.indexOf(p) === i);
    this.#generation++;
    this.#inFlight.clear();
    await Promise.all(pages.map((page) => this.#fetch(page, page === 0)));
  }

  /** Makes sure the pages holding positions [from, to) are loaded or on their way. */
  ensure(from: number, to: number): void {
    if (this.query === null || this.runIds.length === 0 || this.loading) return;
    const last = Math.min(to, this.total) - 1;
    for (let page = Math.floor(Math.max(0, from) / GALLERY_PAGE); page * GALLERY_PAGE <= last; page++)
      if (!this.pages.has(page) && !this.#inFlight.has(page)) void this.#fetch(page, false);
  }

  async #fetch(page: number, first: boolean): Promise<void> {
    const query = this.query;
    if (query === null) return;
    const generation = this.#generation;
    this.#inFlight.add(page);
    const result = await this.#client.request(
      'listCases',
      listRequest(this.runIds, query, { offset: page * GALLERY_PAGE, limit: GALLERY_PAGE }),
    );
    // an answer to a list no longer on show is dropped
    if (generation !== this.#generation) return;
    this.#inFlight.delete(page);
    if (!result.ok) {
      this.error = result.error.message;
      this.loading = false;
      return;
    }
    const items = result.value.items.map((item) => this.#overlaid(item));
    this.pages.set(page, items);
    this.total = result.value.total;
    if (first) {
      this.counts = result.value.counts;
      this.loading = false;
    }
  }

  /** The case with the newest annotation heard for its image. */
  #overlaid(item: CaseSummary): CaseSummary {
    const heard = this.#heard.get(keyOf(item.datasetId, item.split, item.index));
    return heard ? { ...item, tags: heard.tags, note: heard.note } : item;
  }

  /** Takes in an annotation (an event or an answer): the tile changes, the counts are asked again. */
  #apply(annotation: Annotation, refreshCounts: boolean): void {
    const key = keyOf(annotation.datasetId, annotation.split, annotation.index);
    this.#heard.set(key, { tags: annotation.tags, note: annotation.note });
    for (const [number, items] of [...this.pages]) {
      const at = items.findIndex((item) => keyOf(item.datasetId, item.split, item.index) === key);
      const item = items[at];
      if (item !== undefined)
        this.pages.set(number, items.with(at, { ...item, tags: annotation.tags, note: annotation.note }));
    }
    if (refreshCounts && annotation.datasetId === this.datasetId) void this.refreshCounts();
  }

  /** Asks for the sidebar's counts again (after an annotation changed them). */
  async refreshCounts(): Promise<void> {
    const query = this.query;
    if (query === null || this.runIds.length === 0) return;
    const generation = this.#generation;
    const countsGeneration = ++this.#countsGeneration;
    const result = await this.#client.request('listCases', listRequest(this.runIds, query, { offset: 0, limit: 1 }));
    if (generation !== this.#generation || countsGeneration !== this.#countsGeneration || !result.ok) return;
    this.counts = result.value.counts;
  }

  /** Adds the tag to the case at `position`, or removes it when it has it. */
  async toggleTag(position: number, tag: string): Promise<void> {
    const item = this.item(position);
    if (!item) return;
    const has = item.tags.includes(tag);
    await this.#annotate(
      this.#client.request('annotate', {
        datasetId: item.datasetId,
        split: item.split,
        index: item.index,
        addTags: has ? [] : [tag],
        removeTags: has ? [tag] : [],
      }),
    );
  }

  /** The preset tag of a number key ("1" → interesting), or null. */
  static presetOf(key: string): string | null {
    const n = /^[1-9]$/.test(key) ? Number(key) : 0;
    return PRESET_TAGS[n - 1] ?? null;
  }

  /** Undoes the last annotation change of the list's dataset. */
  async undo(): Promise<void> {
    const datasetId = this.datasetId;
    if (datasetId === null) return;
    await this.#annotate(this.#client.request('undoAnnotation', { datasetId }));
  }

  async #annotate(request: Promise<Awaited<ReturnType<Client['request']>>>): Promise<void> {
    const result = await request;
    if (!result.ok) {
      this.annotateError = result.error.message;
      return;
    }
    this.annotateError = null;
    const annotation = result.value as Annotation | null;
    // the event follows (and refreshes the counts); the answer shows the change at once
    if (annotation) this.#apply(annotation, false);
  }

  /** Asks which runs of a dataset are finished and evaluated (ensemble members left out). */
  async loadCandidates(datasetId: number): Promise<void> {
    if (this.candidates?.datasetId === datasetId) return;
    // a case's default runs are exactly those: the first test image's answer names them
    const result = await this.#client.request('getCase', { datasetId, split: 'test', index: 0 });
    this.candidates = { datasetId, runIds: result.ok ? result.value.runs.map((run) => run.runId) : [] };
  }

  /** The URL of the tile image for a case: the overlay of the chosen run, or the raw image. */
  imageSrc(item: CaseSummary): string {
    const run = this.look.overlayRun;
    if (!this.look.overlay || run === null) return `/image/${item.datasetId}/${item.split}/${item.index}.png`;
    const { map, colormap, opacity } = this.look;
    const version = this.versions[run];
    // 128 px at any tile size: the browser enlarges it pixelated; the map stays smooth enough
    const params = `map=${map}&colormap=${colormap}&opacity=${opacity.toFixed(2)}&size=128`;
    return `/overlay/${run}/test/${item.index}.png?${params}${version === undefined ? '' : `&v=${version}`}`;
  }
}
