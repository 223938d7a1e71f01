import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import type {
  EpochMetrics,
  EventPayload,
  JobInfo,
  ModelFamily,
  Result,
  RunConfig,
  RunProgress,
  RunSummary,
  StartRunRequest,
  StudyStarted,
} from '../../../shared/contract';
import { messageOf, unwrap, type CasebookClient } from '../lib/client';
import { MAX_COMPARED } from '../lib/route';
import type { ErrorsState } from './errors.svelte';
import { EvaluationState } from './evaluation.svelte';
import { ExplanationState } from './explanation.svelte';
import { BackgroundState } from './background.svelte';
import { ExplanationsState } from './explanations.svelte';

export type ModelDefaults = Record<ModelFamily, RunConfig>;

/** Statuses a run can be cancelled from, and resumed from (as main allows). */
export const CANCELLABLE: readonly RunSummary['status'][] = ['queued', 'running'];
export const RESUMABLE: readonly RunSummary['status'][] = ['interrupted', 'failed', 'cancelled'];

/** Newest first. */
const byNewest = (a: RunSummary, b: RunSummary): number => b.id - a.id;

/**
 * Puts an epoch into a run's curve. A resumed run may train an epoch again from its checkpoint: the
 * new metrics then replace that epoch and everything after it.
 */
export function mergeEpoch(epochs: readonly EpochMetrics[], epoch: EpochMetrics): EpochMetrics[] {
  const last = epochs.at(-1);
  if (last === undefined || last.epoch < epoch.epoch) return [...epochs, epoch];
  return [...epochs.filter((known) => known.epoch < epoch.epoch), epoch];
}

/**
 * The training runs, kept fresh by `runUpdated` events (no polling), the latest per-batch
 * progress of running ones (`runProgress`), and the run whose detail is open with its epochs.
 */
export class RunsState {
  list = $state.raw<RunSummary[]>([]);
  /** True once the first list has arrived. */
  loaded = $state(false);
  defaults = $state.raw<ModelDefaults | null>(null);

  selectedId = $state<number | null>(null);
  readonly selected = $derived(this.list.find((run) => run.id === this.selectedId) ?? null);
  /** The selected run's epochs: from `getRun`, extended by events. */
  epochs = $state.raw<EpochMetrics[]>([]);
  /** True while `getRun` for the selected run has not answered. */
  epochsLoading = $state(false);
  /** Why the selected run's epochs could not be loaded; null when they loaded (or are loading). */
  epochsError = $state<string | null>(null);
  /** Told of every job this state starts (training, resuming), for the activity indicator. */
  onJob: ((job: JobInfo) => void) | null = null;
  /** Runs ticked in the table for comparison, in the order they were ticked. */
  picked = $state.raw<number[]>([]);

  /** The selected run's evaluation. */
  readonly evaluation: EvaluationState;
  /** The selected run's Grad-CAM explanation. */
  readonly explanation: ExplanationState;
  /** The selected run's background test. */
  readonly background: BackgroundState;
  /** Every run's explanations and the one its pages show (the pickers of the run page, gallery and case view). */
  readonly explanations: ExplanationsState;

  /** Runs with a cancel or resume request in flight. */
  readonly busy = new SvelteSet<number>();
  readonly active = $derived(this.list.filter((run) => CANCELLABLE.includes(run.status)).length);

  readonly #progress = new SvelteMap<number, RunProgress>();
  readonly #client: CasebookClient;
  readonly #errors: ErrorsState;
  #listGeneration = 0;
  #detailGeneration = 0;
  /** Epoch events for the selected run heard while `getRun` was in flight. */
  #heardEpochs: EpochMetrics[] = [];
  #defaultsLoading: Promise<ModelDefaults | null> | null = null;
  /**
   * How many `runUpdated` events each run has had (bookkeeping, not shown). Events and request
   * answers travel separately, so an answer is news only if no event came after its request.
   */
  #heard: Record<number, number> = {};

  constructor(client: CasebookClient, errors: ErrorsState) {
    this.#client = client;
    this.#errors = errors;
    this.evaluation = new EvaluationState(client, errors);
    this.explanation = new ExplanationState(client, errors);
    this.background = new BackgroundState(client, errors);
    this.explanations = new ExplanationsState(client, errors);
  }

  /** Subscribes to `runUpdated`, `runsDeleted`, `runProgress` and `runEvaluated`; returns the disposer. */
  listen(): () => void {
    const offUpdated = this.#client.on('runUpdated', (event) => this.#updated(event));
    const offDeleted = this.#client.on('runsDeleted', ({ deleted }) => this.#removed(deleted));
    const offProgress = this.#client.on('runProgress', (progress) => {
      const run = this.list.find((known) => known.id === progress.runId);
      // A late batch report must not bring back the bar of a run that has ended.
      if (run && !CANCELLABLE.includes(run.status)) return;
      this.#progress.set(progress.runId, progress);
      // a member's batches are also its ensemble's progress
      if (run?.parentId != null) this.#progress.set(run.parentId, progress);
    });
    this.evaluation.onJob = (job) => this.onJob?.(job);
    this.explanation.onJob = (job) => this.onJob?.(job);
    this.background.onJob = (job) => this.onJob?.(job);
    const offEvaluated = this.evaluation.listen();
    const offExplained = this.explanation.listen();
    const offTested = this.background.listen();
    const offExplanations = this.explanations.listen();
    return () => {
      offExplanations();
      offUpdated();
      offDeleted();
      offProgress();
      offEvaluated();
      offExplained();
      offTested();
    };
  }

  /** The member runs of a deep ensemble, in seed order. */
  /** The runs of a run's seed group in id order, itself included; empty when it is alone. */
  groupOf(run: RunSummary): RunSummary[] {
    if (run.group === null) return [];
    return this.list.filter((other) => other.group === run.group).sort((a, b) => a.id - b.id);
  }

  members(runId: number): RunSummary[] {
    return this.list.filter((run) => run.parentId === runId).sort((a, b) => a.id - b.id);
  }

  /** The latest batch report of a queued or running run. */
  progress(runId: number): RunProgress | null {
    return this.#progress.get(runId) ?? null;
  }

  /** Loads the list; false (and the error shown) when that failed. */
  async refresh(): Promise<boolean> {
    const generation = ++this.#listGeneration;
    const heardBefore = { ...this.#heard };
    try {
      const listed = unwrap(await this.#client.request('listRuns', {}));
      if (generation !== this.#listGeneration) return true;
      // Runs with events heard since the request was sent: the event is the newer news.
      const newer = this.list.filter((run) => this.#heardCount(run.id) !== (heardBefore[run.id] ?? 0));
      this.list = [...listed.filter((run) => !newer.some((known) => known.id === run.id)), ...newer].sort(byNewest);
      for (const id of [...this.#progress.keys()]) {
        const run = this.list.find((known) => known.id === id);
        if (!run || !CANCELLABLE.includes(run.status)) this.#progress.delete(id);
      }
      this.loaded = true;
      return true;
    } catch (error) {
      this.#errors.report(error, 'Loading runs');
      return false;
    }
  }

  /** Each family's default hyperparameters, asked once; null (and the error shown) when that failed. */
  loadDefaults(): Promise<ModelDefaults | null> {
    if (this.defaults) return Promise.resolve(this.defaults);
    this.#defaultsLoading ??= this.#client.request('modelDefaults', {}).then((result) => {
      this.#defaultsLoading = null;
      if (!result.ok) {
        this.#errors.report(result.error.message, 'Loading the default hyperparameters');
        return null;
      }
      this.defaults = result.value;
      return result.value;
    });
    return this.#defaultsLoading;
  }

  /** Opens a run's detail and loads its epochs (null closes it). */
  async select(id: number | null): Promise<void> {
    const generation = ++this.#detailGeneration;
    this.selectedId = id;
    this.epochs = [];
    this.epochsError = null;
    this.#heardEpochs = [];
    void this.evaluation.load(id);
    void this.explanation.load(id);
    void this.background.load(id);
    if (id === null) {
      this.epochsLoading = false;
      return;
    }
    this.epochsLoading = true;
    const heard = this.#heardCount(id);
    try {
      const { run, epochs } = unwrap(await this.#client.request('getRun', { id }));
      if (generation !== this.#detailGeneration) return;
      this.#answered(run, heard);
      this.epochs = this.#heardEpochs.reduce(mergeEpoch, epochs);
    } catch (error) {
      if (generation === this.#detailGeneration) {
        this.epochsError = messageOf(error);
        this.#errors.report(error, `Loading run ${id}`);
      }
    } finally {
      if (generation === this.#detailGeneration) {
        this.epochsLoading = false;
        this.#heardEpochs = [];
      }
    }
  }

  /** Ticks or unticks a run for comparison (at most `MAX_COMPARED`; more are refused). */
  pick(id: number, picked: boolean): void {
    const without = this.picked.filter((known) => known !== id);
    if (!picked) this.picked = without;
    else if (without.length < MAX_COMPARED) this.picked = [...without, id];
  }

  /**
   * Ticks or unticks runs as one (a seed group's checkbox): all of them, or none when they would
   * pass `MAX_COMPARED` (the caller shows why).
   */
  pickAll(ids: readonly number[], picked: boolean): void {
    const without = this.picked.filter((known) => !ids.includes(known));
    if (!picked) this.picked = without;
    else if (without.length + ids.length <= MAX_COMPARED) this.picked = [...without, ...ids];
  }

  /** Starts a run; resolves to it, or to the reason it did not start. */
  async start(request: StartRunRequest): Promise<RunSummary | string> {
    const result = await this.#client.request('startRun', request);
    if (!result.ok) return result.error.message;
    // The run is new: any event about it is newer than this answer.
    this.#answered(result.value.run, 0);
    this.onJob?.(result.value.job);
    return result.value.run;
  }

  /** Starts a run over `seeds` seeds (a seed group); resolves to its first run, or why it did not start. */
  async startSeeds(request: StartRunRequest, seeds: number): Promise<RunSummary | string> {
    const result = await this.#client.request('startRuns', { ...request, seeds });
    if (!result.ok) return result.error.message;
    return this.#started(result.value);
  }

  /** Adds `seeds` runs to a run's seed group; resolves to the first new run, or why not. */
  async repeat(id: number, seeds: number): Promise<RunSummary | string> {
    const result = await this.#client.request('repeatRun', { id, seeds });
    if (!result.ok) return result.error.message;
    return this.#started(result.value);
  }

  #started(started: StudyStarted): RunSummary | string {
    for (const run of started.runs) this.#answered(run, 0);
    for (const job of started.jobs) this.onJob?.(job);
    // the other runs of the group changed too (their group id)
    void this.refresh();
    return started.runs[0] ?? 'no run was started';
  }

  async cancel(id: number): Promise<void> {
    await this.#act(id, 'Cancelling', async () => unwrap(await this.#client.request('cancelRun', { id })));
  }

  async resume(id: number): Promise<void> {
    await this.#act(id, 'Resuming', async () => {
      const { run, job } = unwrap(await this.#client.request('resumeRun', { id }));
      this.onJob?.(job);
      return run;
    });
  }

  /** Renames a run; resolves to null, or to why it was refused (shown beside the field). */
  async rename(id: number, name: string): Promise<string | null> {
    return this.#identity(id, () => this.#client.request('renameRun', { id, name }));
  }

  /** Sets a run's colour (`#rrggbb`); resolves to null, or to why it was refused. */
  async setColour(id: number, colour: string): Promise<string | null> {
    return this.#identity(id, () => this.#client.request('setRunColour', { id, colour }));
  }

  async #identity(id: number, request: () => Promise<Result<RunSummary>>): Promise<string | null> {
    const heard = this.#heardCount(id);
    const result = await request();
    if (!result.ok) return result.error.message;
    this.#answered(result.value, heard);
    return null;
  }

  /**
   * Deletes a run (an ensemble with its members) as `casebook delete` does; resolves to null, or
   * to why main refused (a process trains it, it is a member of an ensemble, …).
   */
  async remove(id: number): Promise<string | null> {
    if (this.busy.has(id)) return null;
    this.busy.add(id);
    try {
      const result = await this.#client.request('deleteRun', { id });
      if (!result.ok) return result.error.message;
      this.#removed(result.value.deleted);
      return null;
    } finally {
      this.busy.delete(id);
    }
  }

  #removed(deleted: readonly number[]): void {
    this.list = this.list.filter((run) => !deleted.includes(run.id));
    this.picked = this.picked.filter((id) => !deleted.includes(id));
    for (const id of deleted) this.#progress.delete(id);
  }

  async #act(id: number, doing: string, action: () => Promise<RunSummary>): Promise<void> {
    if (this.busy.has(id)) return;
    this.busy.add(id);
    const heard = this.#heardCount(id);
    try {
      this.#answered(await action(), heard);
    } catch (error) {
      this.#errors.report(error, `${doing} run ${id}`);
    } finally {
      this.busy.delete(id);
    }
  }

  #updated({ run, epoch }: EventPayload<'runUpdated'>): void {
    this.#heard[run.id] = this.#heardCount(run.id) + 1;
    this.#upsert(run);
    if (epoch === null || run.id !== this.selectedId) return;
    if (this.epochsLoading) this.#heardEpochs.push(epoch);
    else this.epochs = mergeEpoch(this.epochs, epoch);
  }

  #heardCount(id: number): number {
    return this.#heard[id] ?? 0;
  }

  /**
   * Puts a request's answer into the list, unless an event about the run arrived after the request
   * was sent: events and answers travel separately, and the event is then the newer news.
   */
  #answered(run: RunSummary, heardBefore: number): void {
    if (this.#heardCount(run.id) === heardBefore) this.#upsert(run);
  }

  #upsert(run: RunSummary): void {
    const index = this.list.findIndex((known) => known.id === run.id);
    this.list = index < 0 ? [...this.list, run].sort(byNewest) : this.list.with(index, run);
    if (!CANCELLABLE.includes(run.status)) this.#progress.delete(run.id);
  }
}
