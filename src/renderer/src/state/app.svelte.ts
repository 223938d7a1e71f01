import type { AppInfo } from '../../../shared/contract';
import { messageOf, unwrap, type CasebookClient, type ConnectionState } from '../lib/client';
import { DEFAULT_CASE_QUERY } from '../lib/case-query';
import type { Route } from '../lib/route';
import { AnnotationState } from './annotation.svelte';
import { CaseState } from './case.svelte';
import { CompareState } from './compare.svelte';
import { DatasetsState } from './datasets.svelte';
import { ErrorsState } from './errors.svelte';
import { GalleryState } from './gallery.svelte';
import { JobsState } from './jobs.svelte';
import { RunFormState } from './run-form.svelte';
import { RouterState, type RouterWindow } from './router.svelte';
import { RunsState } from './runs.svelte';
import { FinderState } from './finder.svelte';
import { NeighboursState } from './neighbours.svelte';
import { TrainingImageState } from './training-image.svelte';
import { MapState } from './map.svelte';
import { RecentRuns } from './recent-runs.svelte';
import { ReportState } from './report.svelte';
import { download } from '../lib/figure-export';
import { SampleStudyState } from './sample-study.svelte';
import { AgentSettingsState } from './agent-settings.svelte';

/** The whole renderer's state: app info, datasets, jobs, runs and the errors to show. */
export class AppState {
  info = $state.raw<AppInfo | null>(null);
  connection = $state<ConnectionState>('connecting');
  /** True once `appInfo` and the first dataset list have loaded (and events are flowing). */
  ready = $state(false);

  readonly client: CasebookClient;
  readonly errors = new ErrorsState();
  readonly datasets: DatasetsState;
  readonly jobs: JobsState;
  readonly runs: RunsState;
  readonly runForm: RunFormState;
  readonly router: RouterState;
  readonly compare: CompareState;
  readonly gallery: GalleryState;
  readonly case: CaseState;
  readonly annotation: AnnotationState;
  readonly finder: FinderState;
  /** A case's nearest training images per run. */
  readonly nearest: NeighboursState;
  /** A training image's own view: its label and note, and its nearest training images per run. */
  readonly training: TrainingImageState;
  readonly map: MapState;
  readonly sampleStudy: SampleStudyState;
  /** The runs last looked at: where the top bar's Gallery and Finder open. */
  readonly recent = new RecentRuns();
  /** The Report… dialog: the file is downloaded (browser) or saved (Electron) as a figure export is. */
  readonly report: ReportState;
  /** Settings → "Train on agents": where training jobs go. */
  readonly agentSettings: AgentSettingsState;

  constructor(client: CasebookClient, target: RouterWindow = window) {
    this.client = client;
    this.router = new RouterState(target);
    this.compare = new CompareState(client);
    this.gallery = new GalleryState(client);
    // a case opened from a finder list walks that list as the finder shows it
    this.case = new CaseState(client, () => this.finder.thresholds);
    this.annotation = new AnnotationState(client);
    this.finder = new FinderState(client);
    this.nearest = new NeighboursState(client);
    this.training = new TrainingImageState(client);
    this.map = new MapState(client);
    this.sampleStudy = new SampleStudyState(client);
    this.report = new ReportState(client, download);
    this.agentSettings = new AgentSettingsState(client);
    this.datasets = new DatasetsState(client, this.errors);
    this.jobs = new JobsState(client, this.errors);
    this.runs = new RunsState(client, this.errors);
    this.runForm = new RunFormState(this.runs);
    this.runs.onJob = (job) => this.jobs.track(job);
  }

  /** Opens the "New run" form, on this dataset if given (else the one being browsed, else the first). */
  newRun(datasetId: number | null = null): void {
    const chosen = datasetId ?? this.runForm.datasetId ?? this.datasets.selectedId ?? this.datasets.list[0]?.id ?? null;
    void this.runForm.show(chosen);
  }

  /** Sends the form; on success shows the new run's page. */
  async startRun(): Promise<void> {
    const run = await this.runForm.submit();
    if (run === null) return;
    const current = this.router.route;
    this.router.go({ view: 'runs', runId: run.id, sort: current.view === 'runs' ? current.sort : null });
  }

  /**
   * Brings the state in line with the route on show (after a link, Back/Forward, a reload): the
   * dataset browsed, the run whose page is open, the runs compared. Cheap when nothing changed.
   */
  apply(route: Route): void {
    this.recent.see(route);
    if (route.view === 'datasets') {
      if (this.datasets.selectedId !== route.datasetId) this.datasets.select(route.datasetId);
    } else if (route.view === 'runs') {
      if (this.runs.selectedId !== route.runId) void this.runs.select(route.runId);
    } else if (route.view === 'compare') {
      void this.compare.load(route.runIds);
    } else if (route.view === 'gallery') {
      void this.gallery.load(route.runIds, route.query);
    } else if (route.view === 'case') {
      void this.case.load({ datasetId: route.datasetId, index: route.index, runIds: route.runIds, query: route.query });
    } else if (route.view === 'finder') {
      void this.finder.load(route.runIds);
    } else if (route.view === 'training') {
      void this.training.load({ datasetId: route.datasetId, index: route.index });
    } else if (route.view === 'map') {
      void this.map.load(route.runId);
    }
    // leaving an image (a case, a training image): its unsaved note is saved (a failure stays on its panel)
    const shown = this.annotation.annotation;
    const sameImage =
      shown !== null &&
      ((route.view === 'case' && shown.split === 'test') || (route.view === 'training' && shown.split === 'train')) &&
      shown.datasetId === route.datasetId &&
      shown.index === route.index;
    if (!sameImage) void this.annotation.flush();
  }

  /** Subscribes to everything, loads the first data; returns the disposer. */
  start(): () => void {
    const onError = (event: ErrorEvent) => this.errors.report(event.error ?? event.message, 'Unexpected error');
    const onRejection = (event: PromiseRejectionEvent) => this.errors.report(event.reason, 'Unexpected error');
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
    const disposers = [
      () => window.removeEventListener('error', onError),
      () => window.removeEventListener('unhandledrejection', onRejection),
      this.router.listen(),
      this.datasets.listen(),
      this.runs.listen(),
      this.compare.listen(),
      this.gallery.listen(),
      this.nearest.listen(),
      this.training.neighbours.listen(),
      this.finder.listen(),
      this.map.listen(),
      this.agentSettings.listen(),
      this.client.on('annotationChanged', ({ annotation }) => {
        this.annotation.receive(annotation);
        this.case.setAnnotation(annotation);
        this.training.setAnnotation(annotation);
        this.case.forgetList();
      }),
      // a case on show whose run was evaluated or explained again shows the new results
      this.client.on('runEvaluated', ({ runId }) => this.#refreshCase(runId)),
      this.client.on('runExplained', ({ runId }) => this.#refreshCase(runId)),
      this.client.on('explanationShown', ({ runId }) => this.#refreshCase(runId)),
      this.sampleStudy.listen((runIds) => this.router.go({ view: 'gallery', runIds, query: DEFAULT_CASE_QUERY })),
      // a run that starts or ends changes the queue: main starts its job, or queues its evaluation
      this.client.on('runUpdated', ({ run, epoch }) => {
        if (epoch === null && run.status !== 'queued') this.jobs.learn();
      }),
      this.jobs.listen(({ result }) => {
        if (!result) return;
        this.datasets.upsert(result.dataset);
        // With nothing open yet, show what was just imported.
        const route = this.router.route;
        if (route.view === 'datasets' && route.datasetId === null) {
          this.router.replace({ view: 'datasets', datasetId: result.dataset.id });
        }
      }),
      this.client.onProblem((message) => this.errors.report(message, 'Live updates')),
      this.client.onConnection((state) => {
        const wasAway = this.connection === 'reconnecting' || this.connection === 'lost';
        this.connection = state;
        // Events sent while the stream was down are lost (and the server may have restarted): ask again.
        if (state === 'open' && wasAway) {
          void this.#loadInfo();
          void this.datasets.refresh();
          void this.jobs.refresh();
          void this.agentSettings.refresh();
          void this.runs.refresh();
          if (this.runs.selectedId !== null) void this.runs.select(this.runs.selectedId);
        }
      }),
    ];
    void this.#load();
    return () => {
      for (const dispose of disposers) dispose();
    };
  }

  #refreshCase(runId: number): void {
    if (this.router.route.view === 'case' && this.case.runIds.includes(runId)) void this.case.reload();
  }

  async #load(): Promise<void> {
    const [info, datasets, runs] = await Promise.all([
      this.#loadInfo(),
      this.datasets.refresh(),
      this.runs.refresh(),
      this.jobs.refresh(),
      this.agentSettings.refresh(),
      this.runs.loadDefaults(),
      // A stream that cannot open is reported through onProblem; the app still works without it.
      this.client.connected().then(
        () => {
          this.connection = 'open';
        },
        (error: unknown) => console.error(messageOf(error)),
      ),
    ]);
    this.ready = info && datasets && runs;
    document.body.dataset.ready = this.ready ? 'true' : 'error';
  }

  async #loadInfo(): Promise<boolean> {
    try {
      this.info = unwrap(await this.client.request('appInfo', {}));
      return true;
    } catch (error) {
      this.errors.report(error, 'Loading app info');
      return false;
    }
  }
}
