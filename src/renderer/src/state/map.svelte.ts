import type { CasebookApi, JobInfo, Progress, RunMap } from '../../../shared/contract';

type Client = Pick<CasebookApi, 'request' | 'on'>;

/**
 * The embedding map of one run (`#/map/<run>`): the stored map with what colours it, or, while
 * the run has none, the job computing it and its progress. A newer load wins; an older answer is
 * dropped. When the run's map is stored (`runMapped`), or the run is evaluated or explained again
 * (new colours), the map on show is read again.
 */
export class MapState {
  runId = $state<number | null>(null);
  map = $state.raw<RunMap | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The job computing this run's map, while it runs. */
  job = $state.raw<JobInfo | null>(null);
  progress = $state.raw<Progress | null>(null);

  readonly #client: Client;
  #generation = 0;

  constructor(client: Client) {
    this.#client = client;
  }

  listen(): () => void {
    const reloadFor = (runId: number) => {
      if (runId === this.runId) void this.load(runId, true);
    };
    const offs = [
      this.#client.on('runMapped', ({ map }) => {
        if (map.runId !== this.runId) return;
        this.job = null;
        this.progress = null;
        reloadFor(map.runId);
      }),
      this.#client.on('runEvaluated', ({ runId }) => reloadFor(runId)),
      this.#client.on('runExplained', ({ runId }) => reloadFor(runId)),
      this.#client.on('annotationChanged', () => {
        if (this.runId !== null && this.map !== null) void this.load(this.runId, true);
      }),
      this.#client.on('jobProgress', ({ jobId, progress }) => {
        if (this.job?.id === jobId) this.progress = progress;
      }),
      this.#client.on('jobFinished', ({ job }) => {
        if (this.job?.id !== job.id) return;
        if (job.status === 'failed') this.error = `The map could not be computed: ${job.error ?? 'the job failed'}`;
        this.job = null;
        this.progress = null;
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  /** Shows this run's map (the same run again keeps what is loaded unless `force`). */
  async load(runId: number, force = false): Promise<void> {
    if (runId === this.runId && !force && (this.map !== null || this.loading)) return;
    const generation = ++this.#generation;
    if (runId !== this.runId) {
      this.map = null;
      this.job = null;
      this.progress = null;
    }
    this.runId = runId;
    this.error = null;
    this.loading = this.map === null;
    const answer = await this.#client.request('getMap', { runId });
    if (generation !== this.#generation) return;
    this.loading = false;
    if (answer.ok) this.map = answer.value;
    else {
      this.map = null;
      this.error = answer.error.message;
    }
  }

  /** Queues the map of the run on show (its features first, if it has none). */
  async compute(): Promise<void> {
    if (this.runId === null) return;
    this.error = null;
    const answer = await this.#client.request('mapRun', { id: this.runId });
    if (answer.ok) this.job = answer.value.job;
    else this.error = answer.error.message;
  }
}
