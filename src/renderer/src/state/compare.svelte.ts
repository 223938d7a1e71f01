import type { CompareStats, EpochMetrics, GroupCompareStats, RunMetrics, RunSummary } from '../../../shared/contract';
import { messageOf, unwrap, type CasebookClient } from '../lib/client';
import { MAX_COMPARED, MIN_COMPARED } from '../lib/route';
import { mergeEpoch } from './runs.svelte';

/** One compared run: its summary, its epochs and its newest evaluation, or why they did not load. */
export interface CompareEntry {
  id: number;
  run: RunSummary | null;
  epochs: EpochMetrics[];
  metrics: RunMetrics | null;
  /** Why the run could not be loaded; null when it loaded. */
  error: string | null;
}

/**
 * The runs being compared (`#/compare/1,2,3`): each one's `getRun` and `getEvaluation`, kept fresh
 * by `runUpdated` and `runEvaluated` events, so a run still training grows in the charts.
 */
export class CompareState {
  ids = $state.raw<number[]>([]);
  entries = $state.raw<CompareEntry[]>([]);
  loading = $state(false);
  /**
   * Intervals, differences, tests and sentences of the evaluated runs (`compareRuns`), to the
   * chosen baseline (null: the first evaluated run); null until they arrive or when none is evaluated.
   */
  stats = $state.raw<CompareStats | null>(null);
  statsLoading = $state(false);
  /** Why the statistics could not be had; null when they could. */
  statsProblem = $state<string | null>(null);
  baseline = $state<number | null>(null);
  /**
   * The compared runs with their seed groups as one entry each (`compareGroups`: mean ± sd and
   * min–max over seeds, differences of the seed means): only when two or more runs of one group
   * are compared; null otherwise, and until they arrive.
   */
  groupStats = $state.raw<GroupCompareStats | null>(null);
  /** The learning curves' EMA weight (0: raw) and whether losses are drawn on a log scale. */
  smoothing = $state(0);
  logLoss = $state(false);
  /** Why the list of ids itself cannot be compared (too few, too many); null when it can. */
  readonly problem = $derived(
    this.ids.length < MIN_COMPARED
      ? `Pick at least ${MIN_COMPARED} runs to compare.`
      : this.ids.length > MAX_COMPARED
        ? `At most ${MAX_COMPARED} runs can be compared at once; ${this.ids.length} were asked for.`
        : null,
  );

  readonly #client: CasebookClient;
  #generation = 0;
  #statsGeneration = 0;

  constructor(client: CasebookClient) {
    this.#client = client;
  }

  /** Follows training and evaluation of the compared runs; returns the disposer. */
  listen(): () => void {
    const offUpdated = this.#client.on('runUpdated', ({ run, epoch }) =>
      this.#patch(run.id, (entry) => ({
        ...entry,
        run,
        epochs: epoch === null ? entry.epochs : mergeEpoch(entry.epochs, epoch),
      })),
    );
    const offEvaluated = this.#client.on('runEvaluated', ({ runId, metrics }) => {
      const known = this.entries.some((entry) => entry.id === runId && entry.run !== null);
      this.#patch(runId, (entry) => ({ ...entry, metrics }));
      if (known) void this.refreshStats();
    });
    return () => {
      offUpdated();
      offEvaluated();
    };
  }

  /** Loads these runs (in this order); the same list again keeps what is loaded. */
  async load(ids: readonly number[]): Promise<void> {
    if (ids.length === this.ids.length && ids.every((id, i) => id === this.ids[i]) && this.entries.length > 0) return;
    const generation = ++this.#generation;
    this.ids = [...ids];
    this.entries = [];
    this.stats = null;
    this.groupStats = null;
    this.statsProblem = null;
    this.baseline = null;
    ++this.#statsGeneration;
    if (this.problem !== null) return;
    this.loading = true;
    const entries = await Promise.all(ids.map((id) => this.#loadOne(id)));
    if (generation !== this.#generation) return;
    this.entries = entries;
    this.loading = false;
    await this.refreshStats();
  }

  /** Takes the differences to this run. */
  async chooseBaseline(runId: number): Promise<void> {
    this.baseline = runId;
    await this.refreshStats();
  }

  /** Asks for the statistics of the evaluated runs again (after a load, an evaluation, a new baseline). */
  async refreshStats(): Promise<void> {
    const ids = this.entries.filter((entry) => entry.run !== null && entry.metrics !== null).map((entry) => entry.id);
    const generation = ++this.#statsGeneration;
    if (ids.length === 0) {
      this.stats = null;
      this.statsLoading = false;
      return;
    }
    const baseline = this.baseline !== null && ids.includes(this.baseline) ? this.baseline : ids[0];
    this.statsLoading = true;
    const result = await this.#client.request('compareRuns', { runIds: ids, baseline });
    if (generation !== this.#statsGeneration) return;
    this.statsLoading = false;
    if (result.ok) {
      this.stats = result.value;
      this.statsProblem = null;
    } else {
      this.stats = null;
      this.statsProblem = result.error.message;
    }
    await this.#refreshGroups(ids, baseline, generation);
  }

  /** The groups' statistics, when the evaluated runs hold two or more runs of one seed group. */
  async #refreshGroups(ids: readonly number[], baseline: number | undefined, generation: number): Promise<void> {
    const groupOf = (id: number): number => this.entries.find((e) => e.id === id)?.run?.group ?? id;
    const groups = ids.map(groupOf).filter((group, i, all) => all.indexOf(group) === i);
    if (groups.length === ids.length) {
      this.groupStats = null;
      return;
    }
    const result = await this.#client.request('compareGroups', {
      groupIds: groups,
      ...(baseline === undefined ? {} : { baseline: groupOf(baseline) }),
    });
    if (generation !== this.#statsGeneration) return;
    this.groupStats = result.ok ? result.value : null;
    if (!result.ok) this.statsProblem = result.error.message;
  }

  async #loadOne(id: number): Promise<CompareEntry> {
    try {
      const [detail, metrics] = await Promise.all([
        this.#client.request('getRun', { id }).then(unwrap),
        this.#client.request('getEvaluation', { runId: id }).then(unwrap),
      ]);
      return { id, run: detail.run, epochs: detail.epochs, metrics, error: null };
    } catch (error) {
      return { id, run: null, epochs: [], metrics: null, error: messageOf(error) };
    }
  }

  #patch(id: number, change: (entry: CompareEntry) => CompareEntry): void {
    const index = this.entries.findIndex((entry) => entry.id === id && entry.run !== null);
    const entry = this.entries[index];
    if (entry !== undefined) this.entries = this.entries.with(index, change(entry));
  }
}
