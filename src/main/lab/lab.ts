import { z } from 'zod';
import {
  CIFAR10_CLASSES,
  CIFAR10_URL,
  DEFAULT_CLASSES,
  defaultRunConfig,
  CAM_METHOD_LABELS,
  BackgroundTestRequest as BackgroundTestRequestSchema,
  ExplainRequest as ExplainRequestSchema,
  MapRequest as MapRequestSchema,
  type MapRequest,
  type RunMap,
  MODEL_LABELS,
  ModelFamily,
  RunConfig,
  describeZodError,
  requests,
  type Annotation,
  type BackgroundTestRequest,
  type ErrorInfo,
  type ExplainRequest,
  type ImportRequestParsed,
  type ReportProgress,
  type RequestArgs,
  type RequestName,
  type RequestOutput,
  type Result,
  type JobInfo,
  type RunExplanations,
  type RunSummary,
  type Split,
  type StartRunRequest,
  type StartRunsRequest,
  type StudyStarted,
  type AgentsStatus,
  type ConnectAgentsRequest,
  QUEUED_AT_SHUTDOWN,
  TRAINING_AT_SHUTDOWN,
} from '../../shared/contract';
import { CaseService } from './cases/cases';
import { classBoxplots } from './evaluation/class-boxplots';
import { compareGroups, compareRuns } from './evaluation/compare-runs';
import { FigureService } from './figures/service';
import { makeReportFile } from './figures/report-file';
import { ComputeThread, defaultComputeEntry } from './compute/client';
import type { ReportSources } from './figures/report-model';
import { BadRequestError, ConflictError, errorCode, labError, UnavailableError } from './errors';
import { overlayMap, renderOverlay, type OverlayParams } from './images/overlay';
import { encodePng } from './images/png';
import { errorMessage, JobManager, type Emit, type WorkerLauncher } from './jobs/manager';
import { openDatabase, setBusyTimeout, totalChanges, type Db } from './store/database';
import { DatasetStore } from './store/datasets';
import { openStores, type Stores } from './store/index';
import { BUSY_MESSAGE, busyBackoffMs, isBusy, retryWhileBusy, RESPONSIVE_BUSY, type BusyPolicy } from './store/busy';
import { RunStore } from './store/runs';
import { EvaluationStore } from './store/evaluations';
import { ExplanationStore } from './store/explanations';
import { MapStore } from './store/maps';
import { readRunMap } from './map/read-map';
import { FeatureStore } from './store/features';
import { NeighbourService } from './features/service';
import { BackgroundStore } from './store/background';
import { LeaseLostError, ownershipTiming, thisProcess, type Lease, type OwnershipTiming } from './store/run-owners';
import type { JobSpec } from './jobs/protocol';
import type { RemoteJobs } from './jobs/remote';
import { AgentQueue } from './agents/queue';
import { saveAgents, settingsFile, SETTINGS_NAMES } from './agents/settings';
import { checkQueueUrl, type QueueUrl } from './agents/url';
import { QUICK, SEED_MODELS, seedSeries, Studies } from './study';

export interface LabOptions {
  databasePath: string;
  mode: 'electron' | 'browser';
  version: string;
  launch: WorkerLauncher;
  emit: Emit;
  /**
   * Queue an evaluation and an explanation as soon as any run finishes training (the app);
   * default true. Without it (the CLI) only the runs of a study are analysed.
   */
  autoEvaluate?: boolean;
  /** Heartbeat interval and stale limit of run ownership (default 5 s and 60 s, or `CASEBOOK_OWNER_STALE_SECONDS`). */
  ownership?: OwnershipTiming;
  /**
   * Waiting for another process's write lock (default RESPONSIVE_BUSY: a door's process must
   * never sleep in SQLite's busy wait; a request retries off the event loop, then is answered
   * "the database is busy"). The CLI's commands, with nothing else to do, block (BLOCKING_BUSY).
   */
  busy?: BusyPolicy;
  /**
   * The compute thread's entry, where comparisons and reports are computed off the event loop
   * (default: the built one next to the bundle; from sources there is none, and a test gives
   * scripts/dev-compute-thread.mjs). null, or an in-memory database: computed on this thread.
   */
  computeEntry?: string | URL | null;
  /**
   * Training agents behind a queue (`--queue`): training jobs go there instead of the local
   * worker, and the runs the queue still trains for this study are adopted, not interrupted.
   */
  agents?: RemoteJobs;
  /** Who chose `agents`: the command line (`--queue`, default) or the remembered Settings. */
  agentsSource?: AgentsSource;
  /** Why the remembered queue was not connected at start (shown in Settings), if it was not. */
  agentsProblem?: string;
  /** Opens a queue for Settings → "Train on agents" (default AgentQueue.open). */
  openAgents?: (url: QueueUrl, databasePath: string) => Promise<RemoteJobs>;
}

type AgentsSource = NonNullable<AgentsStatus['source']>;

/** The queue jobs go to, while connected, or that the Lab still listens on for the jobs already there (draining). */
interface Agents {
  queue: RemoteJobs;
  /** The URL as given (with its password): a reconnect to the same queue while draining keeps it. */
  url: string;
  source: AgentsSource;
  draining: boolean;
}

type Handlers = { [K in RequestName]: (args: RequestArgs<K>) => RequestOutput<K> | Promise<RequestOutput<K>> };

/**
 * The domain behind every door: one database, the job manager, and a handler per contract
 * request. `dispatch` validates what comes in and wraps what goes out in a result envelope.
 */
export class Lab {
  private readonly db: Db;
  /** Every store, private: the doors (IPC, HTTP, the CLI) ask the Lab, never a store. */
  private readonly stores: Stores;
  private readonly datasets: DatasetStore;
  private readonly runs: RunStore;
  private readonly evaluations: EvaluationStore;
  private readonly explanations: ExplanationStore;
  private readonly maps: MapStore;
  private readonly features: FeatureStore;
  private readonly background: BackgroundStore;
  private readonly neighbours: NeighbourService;
  readonly jobs: JobManager;
  readonly cases: CaseService;
  readonly figures: FigureService;
  readonly studies: Studies;
  /** The job training each run while it has one, and this Lab's lease on the run. */
  private readonly runJobs = new Map<number, { jobId: string; lease: Lease }>();
  /** The newest evaluation job of each run, while it is queued or running. */
  private readonly evaluationJobs = new Map<number, string>();
  private readonly handlers: Handlers;
  /** Where comparisons and reports are computed (null: on this thread). */
  private readonly compute: ComputeThread | null;
  /** This process: the owner of every run this Lab queues (its workers are its children). */
  private readonly me = thisProcess();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly busy: BusyPolicy;
  /** Rows this Lab's connection has changed so far (SQLite's total_changes()). */
  private readonly totalChanges: () => number;
  /** Runs whose cross-process cancel request was passed on to their job. */
  private readonly cancelForwarded = new Set<number>();
  /** Set when shutdown (or close) begins: nothing new starts, settling training runs become interrupted. */
  private shuttingDown = false;
  private stopping: Promise<void> | null = null;
  private closed = false;
  /** Training agents, when jobs go to them (or the Lab waits for those already there). */
  private agents: Agents | null = null;
  private agentsProblem: string | null;
  private connectingAgents = false;

  constructor(private readonly options: LabOptions) {
    const timing = options.ownership ?? ownershipTiming();
    this.agentsProblem = options.agentsProblem ?? null;
    this.db = openDatabase(options.databasePath);
    this.stores = openStores(this.db, { staleMs: timing.staleMs });
    this.datasets = this.stores.datasets;
    this.runs = this.stores.runs;
    this.evaluations = this.stores.evaluations;
    this.explanations = this.stores.explanations;
    this.maps = this.stores.maps;
    this.features = this.stores.features;
    this.background = this.stores.background;
    this.neighbours = new NeighbourService(this.stores);
    this.cases = new CaseService(this.stores);
    this.figures = new FigureService({ ...this.stores, cases: this.cases });
    // runs that agents still train for this study stay running: adopted, keeping their claim
    const adopted = (options.agents?.adoptable ?? []).filter((lease) => this.runs.owners.adopt(lease, this.me));
    // only runs whose owner is gone: another live process may be training the rest
    this.runs.markInterrupted();
    // from here on, SQLite's blocking wait stays short: requests retry off the event loop instead
    this.busy = options.busy ?? RESPONSIVE_BUSY;
    setBusyTimeout(this.db, this.busy.timeoutMs);
    this.totalChanges = totalChanges(this.db);
    this.heartbeat = setInterval(() => this.beat(), timing.heartbeatMs);
    this.heartbeat.unref();
    this.jobs = new JobManager({
      databasePath: options.databasePath,
      launch: options.launch,
      emit: options.emit,
      onSettled: (info, spec) => this.jobSettled(info, spec),
    });
    this.studies = new Studies(this, this.stores, options.autoEvaluate ?? true);
    const computeEntry = options.computeEntry === undefined ? defaultComputeEntry() : options.computeEntry;
    this.compute =
      computeEntry && options.databasePath !== ':memory:'
        ? new ComputeThread(computeEntry, options.databasePath)
        : null;
    this.handlers = {
      appInfo: () => ({
        version: options.version,
        mode: options.mode,
        databasePath: options.databasePath,
        defaultArchiveUrl: CIFAR10_URL,
        cifarClasses: [...CIFAR10_CLASSES],
        defaultClasses: [...DEFAULT_CLASSES],
        agents: this.agents && !this.agents.draining ? this.agents.queue.display : null,
      }),
      agentsStatus: () => this.agentsStatus(),
      connectAgents: (request) => this.connectAgents(request),
      disconnectAgents: () => this.disconnectAgents(),
      listDatasets: () => this.datasets.list(),
      getDataset: ({ id }) => this.datasets.get(id),
      listImages: (args) => this.datasets.listImages(args),
      startImport: (request) => ({ job: this.jobs.start({ kind: 'import', request }, importTitle(request)) }),
      listJobs: () => this.jobs.list(),
      cancelJob: ({ jobId }) => this.jobs.cancel(jobId),
      modelDefaults: () =>
        Object.fromEntries(ModelFamily.options.map((model) => [model, defaultRunConfig(model)])) as Record<
          ModelFamily,
          RunConfig
        >,
      listRuns: () => this.runs.list(),
      getRun: ({ id }) => ({ run: this.runs.get(id), epochs: this.runs.epochs(id) }),
      startRun: (request) => this.startRun(request),
      startStudy: ({ datasetId, models, quick, seeds }) =>
        this.studies.start(datasetId, models ?? SEED_MODELS, { ...(quick ? QUICK : {}), seeds }),
      startRuns: (request) => this.startRuns(request),
      repeatRun: ({ id, seeds }) => this.repeatRun(id, seeds),
      startSampleStudy: async () => {
        const started = await this.studies.startSample();
        // the sample is imported here, not by an import job: tell the pages about the dataset
        this.options.emit('datasetsChanged', {});
        return started;
      },
      resumeRun: ({ id }) => this.resumeRun(id),
      cancelRun: ({ id }) => this.cancelRun(id),
      deleteRun: ({ id }) => ({ deleted: this.deleteRun(id) }),
      renameRun: ({ id, name }) => this.renameRun(id, name),
      setRunColour: ({ id, colour }) => this.setRunColour(id, colour),
      evaluateRun: ({ id, samples }) => ({ job: this.evaluate(id, samples) }),
      getEvaluation: ({ runId }) => {
        this.runs.get(runId);
        return this.evaluations.current(runId)?.metrics ?? null;
      },
      explainRun: (request) => ({ job: this.explain(request) }),
      getExplanation: ({ runId, explanationId }) => this.explanation(runId, explanationId)?.summary ?? null,
      listExplanations: ({ runId }) => this.runExplanations(runId),
      showExplanation: ({ runId, explanationId }) => {
        this.runs.get(runId);
        this.explanations.show(runId, explanationId);
        this.options.emit('explanationShown', { runId, explanationId });
        return this.runExplanations(runId);
      },
      getExplanationImage: ({ runId, explanationId, index }) => {
        const explanation = this.explanation(runId, explanationId);
        const image = explanation ? this.explanations.image(explanation.id, index) : null;
        return explanation && image
          ? { explanationId: explanation.id, mapShape: explanation.summary.mapShape, image }
          : null;
      },
      listExplanationImages: ({ runId, explanationId, ...page }) => {
        const explanation = this.explanation(runId, explanationId);
        return explanation ? this.explanations.images(explanation.id, page) : { total: 0, items: [] };
      },
      mapRun: (request) => ({ job: this.map(request) }),
      getMap: ({ runId }) => this.runMap(runId),
      computeFeatures: ({ id }) => ({ job: this.computeFeatures(id) }),
      getFeatures: ({ runId }) => {
        this.runs.get(runId);
        return this.features.info(runId);
      },
      getNeighbours: (args) => this.neighbours.neighbours(args),
      findSuspects: (args) => this.neighbours.suspects(args),
      runBackgroundTest: (request) => ({ job: this.backgroundTest(request) }),
      getBackgroundTest: ({ runId }) => {
        this.runs.get(runId);
        return this.background.current(runId)?.summary ?? null;
      },
      listBackgroundImages: ({ runId, ...page }) => {
        this.runs.get(runId);
        const current = this.background.current(runId);
        return current ? this.background.images(current.id, page) : { total: 0, items: [] };
      },
      listCases: (args) => this.cases.list(args),
      getCase: (args) => this.cases.get(args),
      getCaseSamples: ({ runId, index }) => this.cases.samples(runId, index),
      findCases: (args) => this.cases.find(args),
      annotate: (args) => this.annotated(this.cases.annotate(args)),
      deleteAnnotation: (key) => this.annotated(this.cases.clear(key)),
      undoAnnotation: (args) => {
        const annotation = this.cases.undo(args);
        return annotation === null ? null : this.annotated(annotation);
      },
      listAnnotations: ({ datasetId }) => this.cases.listAnnotations(datasetId),
      getClassBoxplots: ({ runId }) => {
        this.runs.get(runId);
        return classBoxplots(this.evaluations, runId);
      },
      compareRuns: (request) =>
        this.compute ? this.compute.run('compareRuns', request) : compareRuns(this.stores, request),
      compareGroups: (request) =>
        this.compute ? this.compute.run('compareGroups', request) : compareGroups(this.stores, request),
      describeFigure: (request) =>
        this.compute ? this.compute.run('describeFigure', request) : this.figures.describe(request),
      exportFigure: (request) =>
        this.compute ? this.compute.run('exportFigure', request) : this.figures.export(request),
      makeReport: ({ reportId, ...request }) => {
        const onProgress = (progress: Omit<ReportProgress, 'reportId'>) => {
          if (reportId !== undefined) this.options.emit('reportProgress', { reportId, ...progress });
        };
        return this.compute
          ? this.compute.run('makeReport', request, onProgress)
          : makeReportFile(this.reportSources, request, onProgress);
      },
    };
    if (options.agents) {
      this.agents = {
        queue: options.agents,
        url: options.agents.display,
        source: options.agentsSource ?? 'command line',
        draining: false,
      };
      this.attachAgents(options.agents, adopted);
    }
  }

  /** Hands the agents' queue this Lab's stores and takes up the runs it adopted (their jobs are on the queue). */
  private attachAgents(agents: RemoteJobs, adopted: readonly Lease[]): void {
    agents.attach({
      runs: this.runs,
      datasets: this.datasets,
      evaluations: this.evaluations,
      explanations: this.explanations,
      receipts: this.stores.receipts,
      emit: this.options.emit,
    });
    // from here the jobs the manager takes, the queued ones not yet started first, go to the agents
    this.jobs.setRemote({ is: agents.remote.bind(agents), launch: agents.launch });
    for (const lease of adopted) this.queueTraining(this.runs.get(lease.runId), lease);
  }

  /** Settings → "Train on agents": where jobs go now, and the queue's agents and jobs. */
  async agentsStatus(): Promise<AgentsStatus> {
    const agents = this.agents;
    const status: AgentsStatus = {
      mode: agents ? (agents.draining ? 'draining' : 'agents') : 'local',
      queue: agents?.queue.display ?? null,
      source: agents?.source ?? null,
      agents: null,
      waiting: null,
      active: null,
      open: this.jobs.openRemote(),
      problem: this.agentsProblem,
      settingsFile: this.options.databasePath === ':memory:' ? null : settingsFile(this.options.databasePath),
    };
    if (!agents) return status;
    try {
      return { ...status, ...(await agents.queue.state()) };
    } catch (error) {
      return { ...status, problem: errorMessage(error) };
    }
  }

  /**
   * Sends training, evaluation and explanation jobs to the agents behind this queue from now on,
   * the queued ones not yet started included, and remembers the queue for the next start (beside
   * the study, not in it). The URL is checked as the CLI's `--queue` is.
   */
  async connectAgents(request: ConnectAgentsRequest): Promise<AgentsStatus> {
    const checked = checkQueueUrl(request.url, {
      insecureLocal: request.insecureLocal === true,
      names: SETTINGS_NAMES,
    });
    if (!checked.ok) throw new BadRequestError(checked.error);
    const url = checked.value;
    const current = this.agents;
    if (current && !current.draining)
      throw new ConflictError(`jobs already go to the agents at ${current.queue.display}; disconnect first`);
    if (current?.draining && current.url !== url.url)
      throw new ConflictError(
        `${this.jobs.openRemote()} jobs are still on the agents at ${current.queue.display}; ` +
          'reconnect to that queue, or wait until they have ended (or cancel them)',
      );
    if (this.connectingAgents) throw new ConflictError('already connecting to a queue');
    if (current?.draining) {
      // the same queue again: the jobs still there are recorded as before, new ones go there too
      current.draining = false;
      current.source = 'settings';
      this.jobs.setRemote({ is: current.queue.remote.bind(current.queue), launch: current.queue.launch });
    } else {
      this.connectingAgents = true;
      let queue: RemoteJobs;
      try {
        queue = await (this.options.openAgents ?? openAgentQueue)(url, this.options.databasePath);
      } catch (error) {
        throw new UnavailableError(errorMessage(error));
      } finally {
        this.connectingAgents = false;
      }
      if (this.shuttingDown) {
        await queue.close();
        throw new UnavailableError('connectAgents: Casebook is shutting down');
      }
      // runs the queue still trains for this study (a Lab before this one left them there) and nobody else holds
      const adopted = queue.adoptable.filter(
        (lease) => this.runs.owners.liveOwner(lease.runId) === null && this.runs.owners.adopt(lease, this.me),
      );
      this.agents = { queue, url: url.url, source: 'settings', draining: false };
      this.attachAgents(queue, adopted);
    }
    this.agentsProblem = this.rememberAgents({ url: url.url, insecureLocal: request.insecureLocal === true });
    return this.agentsChanged();
  }

  /**
   * Sends new jobs to the local worker again, and the ones still waiting on the queue for an agent
   * (taken back). The jobs agents have taken stay there: agents finish them and this Lab records
   * them, then lets the queue go (`draining` until then).
   */
  async disconnectAgents(): Promise<AgentsStatus> {
    const agents = this.agents;
    this.agentsProblem = this.rememberAgents(null);
    if (agents && !agents.draining) {
      this.jobs.setRemote(null);
      agents.draining = true;
      try {
        for (const jobId of await agents.queue.recall()) this.jobs.requeue(jobId);
      } catch (error) {
        this.agentsProblem = `the jobs waiting on the queue stay there for an agent: ${errorMessage(error)}`;
      }
      if (this.jobs.openRemote() === 0) await this.releaseAgents();
    }
    return this.agentsChanged();
  }

  /** Writes the Settings' choice beside the study; the problem when it cannot (null: remembered). */
  private rememberAgents(agents: { url: string; insecureLocal: boolean } | null): string | null {
    if (this.options.databasePath === ':memory:') return null;
    try {
      saveAgents(this.options.databasePath, agents);
      return null;
    } catch (error) {
      return `cannot remember this choice for the next start in ${settingsFile(this.options.databasePath)}: ${errorMessage(error)}`;
    }
  }

  /** Lets a drained queue go: its jobs have all ended and been recorded. */
  private async releaseAgents(): Promise<void> {
    const agents = this.agents;
    if (!agents?.draining || this.jobs.openRemote() > 0) return;
    this.agents = null;
    agents.queue.detach();
    await agents.queue.close();
  }

  /** Tells every page where jobs go now; returns what it told. */
  private async agentsChanged(): Promise<AgentsStatus> {
    const status = await this.agentsStatus();
    if (!this.closed) this.options.emit('agentsChanged', status);
    return status;
  }

  async dispatch<K extends RequestName>(name: K, input: unknown): Promise<Result<RequestOutput<K>>> {
    const spec = requests[name] as (typeof requests)[RequestName] | undefined;
    if (!spec) return failure('bad-request', `unknown request ${String(name)}`);
    if (this.shuttingDown) return failure('unavailable', `${name}: Casebook is shutting down`);
    const parsed = (spec.input as z.ZodType).safeParse(input ?? {});
    if (!parsed.success) return failure('bad-request', `${name}: ${describeZodError(parsed.error)}`);
    const handler = this.handlers[name] as (args: unknown) => RequestOutput<K> | Promise<RequestOutput<K>>;
    // Another process holds the write lock: try again later, off the event loop, as long as the
    // failed attempt changed nothing (a handler's writes are each one transaction, and a request
    // that got some of them done is not repeated); past the deadline, "the database is busy".
    let changesBefore = 0;
    try {
      const value = await retryWhileBusy(
        () => {
          changesBefore = this.totalChanges();
          return handler(parsed.data);
        },
        {
          deadlineMs: this.busy.deadlineMs,
          retryable: () => !this.shuttingDown && this.totalChanges() === changesBefore,
        },
      );
      return { ok: true, value };
    } catch (error) {
      return isBusy(error) ? failure('unavailable', BUSY_MESSAGE) : failure(errorCode(error), errorMessage(error));
    }
  }

  /**
   * A request as a door makes it: through `dispatch` (validated, retried while busy), its value
   * returned or its error thrown as the LabError of its code. The CLI's commands ask this way.
   */
  async request<K extends RequestName>(name: K, input: RequestArgs<K>): Promise<RequestOutput<K>> {
    const result = await this.dispatch(name, input);
    if (!result.ok) throw labError(result.error);
    return result.value;
  }

  /** What a report reads (the CLI's `report` and the `makeReport` request). */
  get reportSources(): ReportSources {
    return { figures: this.figures, cases: this.cases, datasets: this.datasets, neighbours: this.neighbours };
  }

  /** The live process training a run, or null (a CLI's cancel names it while it waits). */
  runOwner(id: number): { pid: number } | null {
    return this.runs.owners.liveOwner(id);
  }

  /** One of a run's explanations by id, or the one its pages show (null: it has none). */
  private explanation(runId: number, explanationId: number | undefined) {
    this.runs.get(runId);
    return explanationId === undefined ? this.explanations.shown(runId) : this.explanations.get(runId, explanationId);
  }

  private runExplanations(runId: number): RunExplanations {
    this.runs.get(runId);
    return {
      runId,
      shownId: this.explanations.shown(runId)?.id ?? null,
      items: this.explanations.list(runId),
    };
  }

  /** Tells every page that an image's annotation changed. */
  private annotated(annotation: Annotation): Annotation {
    this.options.emit('annotationChanged', { annotation });
    return annotation;
  }

  /** Creates a run with the seed's defaults overridden by the request, and queues its training. */
  startRun(request: StartRunRequest): { run: RunSummary; job: JobInfo } {
    const { datasetId, ...overrides } = request;
    const model = ModelFamily.parse(request.model);
    const config = RunConfig.parse({ ...defaultRunConfig(model), ...stripUndefined(overrides) });
    const dataset = this.datasets.get(datasetId);
    const input = { datasetId, datasetHash: dataset.contentHash, config };
    // created and claimed in one transaction: no other process ever sees it queued without an owner
    const { run, lease } = this.db
      .transaction(() => {
        const created = model === 'ensemble' ? this.runs.createEnsemble(input) : this.runs.create(input);
        return { run: created, lease: this.runs.owners.claim(created.id, this.me) };
      })
      .immediate();
    return this.queueTraining(run, lease);
  }

  /** A run over n seeds (`seedSeries` from the request's seed): n runs that form one seed group. */
  startRuns(request: StartRunsRequest): StudyStarted {
    const { seeds, ...single } = request;
    const model = ModelFamily.parse(request.model);
    const defaults = defaultRunConfig(model);
    const step = model === 'ensemble' ? (single.members ?? defaults.members) : 1;
    const started = seedSeries(single.seed ?? defaults.seed, seeds, step).map((seed) =>
      this.startRun({ ...single, seed }),
    );
    return { runs: started.map((s) => s.run), jobs: started.map((s) => s.job) };
  }

  /**
   * Adds `seeds` runs to a run's seed group (the run alone makes one with them): its config with
   * the next seeds after the group's highest (a deep ensemble's: its member count apart).
   */
  repeatRun(id: number, seeds: number): StudyStarted {
    const run = this.runs.get(id);
    if (run.parentId !== null)
      throw new ConflictError(
        `run ${id} is a member of ensemble run ${run.parentId}; repeat the ensemble (run ${run.parentId}) instead`,
      );
    const step = run.model === 'ensemble' ? run.config.members : 1;
    const highest = Math.max(...this.runs.groupRuns(id).map((r) => r.config.seed));
    const started = seedSeries(highest + step, seeds, step).map((seed) =>
      this.startRun({ ...run.config, datasetId: run.datasetId, seed }),
    );
    return { runs: started.map((s) => s.run), jobs: started.map((s) => s.job) };
  }

  /** Continues a run that did not finish, from its last checkpoint (or from scratch if it has none). */
  resumeRun(id: number): { run: RunSummary; job: JobInfo } {
    this.runs.markInterrupted();
    const run = this.runs.get(id);
    if (run.parentId !== null)
      throw new ConflictError(`run ${id} is a member of ensemble run ${run.parentId}; resume the ensemble`);
    this.runs.owners.assertNotOwned(id, 'resume');
    if (!['interrupted', 'failed', 'cancelled'].includes(run.status)) {
      throw new ConflictError(
        `run ${id} is ${run.status}; only an interrupted, failed or cancelled run can be resumed`,
      );
    }
    const { queued, lease } = this.db
      .transaction(() => {
        const claimed = this.runs.owners.claim(id, this.me);
        return { queued: this.runs.setStatus(id, 'queued'), lease: claimed };
      })
      .immediate();
    return this.queueTraining(queued, lease);
  }

  /**
   * Stops a queued or running run: through its job when this Lab trains it, else by asking its
   * owner (another process) through the run's cancel flag, which that process acts on within a
   * heartbeat (or its trainer at the next batch).
   */
  cancelRun(id: number): RunSummary {
    this.runs.markInterrupted();
    const run = this.runs.get(id);
    const training = run.status === 'queued' || run.status === 'running';
    // a member of an ensemble trains inside its ensemble's job
    const root = run.parentId ?? id;
    const jobId = this.runJobs.get(root)?.jobId;
    if (training && jobId !== undefined) {
      this.jobs.cancel(jobId);
    } else if (training && this.runs.owners.liveOwner(root)) {
      this.runs.owners.requestCancel(root);
    } else {
      throw new ConflictError(`run ${id} is ${run.status}, not training`);
    }
    return this.runs.get(id);
  }

  /** Deletes a run that no process is training, with its epochs, checkpoints, evaluations, explanations and members. */
  deleteRun(id: number): number[] {
    this.runs.markInterrupted();
    const deleted = this.runs.delete(id);
    this.options.emit('runsDeleted', { deleted });
    return deleted;
  }

  /** Renames a run (`name` already checked by the contract's RunName) and tells every page. */
  renameRun(id: number, name: string): RunSummary {
    return this.identityChanged(this.runs.rename(id, name));
  }

  /** Sets a run's colour (`colour` already checked by the contract's RunColour) and tells every page. */
  setRunColour(id: number, colour: string): RunSummary {
    return this.identityChanged(this.runs.setColour(id, colour));
  }

  private identityChanged(run: RunSummary): RunSummary {
    this.options.emit('runUpdated', { run, epoch: null });
    return run;
  }

  /** Queues an evaluation of a finished run (`next`: ahead of the waiting trainings). */
  evaluate(id: number, samples?: number, queue: { next?: boolean } = {}): JobInfo {
    const run = this.runs.get(id);
    if (run.status !== 'done')
      throw new ConflictError(`run ${id} is ${run.status}; only a finished run can be evaluated`);
    const job = this.jobs.start(
      { kind: 'evaluate', runId: id, ...(samples !== undefined ? { samples } : {}) },
      `Evaluate run ${id}`,
      queue,
    );
    this.evaluationJobs.set(id, job.id);
    return job;
  }

  /**
   * Queues Grad-CAM of every test image of a finished run (`next`: ahead of the waiting
   * trainings). The explanation follows the run's current evaluation's predictions, so a run
   * without one (and no evaluation queued or running) is evaluated first: jobs run in order.
   */
  explain(input: ExplainRequest, queue: { next?: boolean } = {}): JobInfo {
    const request = ExplainRequestSchema.parse(input);
    const run = this.runs.get(request.id);
    if (run.status !== 'done')
      throw new ConflictError(`run ${run.id} is ${run.status}; only a finished run can be explained`);
    if (this.evaluations.current(run.id) === null && !this.evaluating(run.id)) this.evaluate(run.id, undefined, queue);
    return this.jobs.start(
      { kind: 'explain', request },
      `Explain run ${run.id} (${CAM_METHOD_LABELS[request.method]})`,
      queue,
    );
  }

  /** Queues the embedding map of a finished run's test images (its features first, if it has none). */
  map(input: MapRequest, queue: { next?: boolean } = {}): JobInfo {
    const request = MapRequestSchema.parse(input);
    const run = this.runs.get(request.id);
    if (run.status !== 'done')
      throw new ConflictError(`run ${run.id} is ${run.status}; only a finished run can be mapped`);
    return this.jobs.start({ kind: 'map', request }, `Map run ${run.id} (UMAP)`, queue);
  }

  /** A run's stored map with what colours it (its current evaluation and explanation, the images' tags), or null. */
  runMap(runId: number): RunMap | null {
    return readRunMap(this.stores, runId);
  }

  /**
   * Queues the features of a finished run's training and test images (`next`: ahead of the
   * waiting trainings): after its evaluation in the pipeline, on demand for older runs.
   */
  computeFeatures(id: number, queue: { next?: boolean } = {}): JobInfo {
    const run = this.runs.get(id);
    if (run.status !== 'done')
      throw new ConflictError(`run ${id} is ${run.status}; only a finished run has features to compare`);
    return this.jobs.start({ kind: 'features', runId: id }, `Features of run ${id}`, queue);
  }

  /**
   * Queues the background test of a finished run (`next`: ahead of the waiting trainings); it
   * follows the run's current evaluation, so a run without one is evaluated first.
   */
  backgroundTest(input: BackgroundTestRequest, queue: { next?: boolean } = {}): JobInfo {
    const request = BackgroundTestRequestSchema.parse(input);
    const run = this.runs.get(request.id);
    if (run.status !== 'done')
      throw new ConflictError(`run ${run.id} is ${run.status}; only a finished run can be tested`);
    if (this.evaluations.current(run.id) === null && !this.evaluating(run.id)) this.evaluate(run.id, undefined, queue);
    // it runs on the local worker even with agents: after an evaluation queued or running there
    const after = this.evaluating(run.id) ? (this.evaluationJobs.get(run.id) ?? null) : null;
    return this.jobs.start({ kind: 'background', request }, `Background test of run ${run.id}`, { ...queue, after });
  }

  /** Whether an evaluation of the run is queued or running. */
  private evaluating(runId: number): boolean {
    const jobId = this.evaluationJobs.get(runId);
    if (jobId === undefined) return false;
    const { status } = this.jobs.get(jobId);
    return status === 'queued' || status === 'running';
  }

  /** Queues the training of a run this Lab has claimed; gives the run up again if it cannot. */
  private queueTraining(run: RunSummary, lease: Lease): { run: RunSummary; job: JobInfo } {
    let job: JobInfo;
    try {
      job = this.jobs.start(
        { kind: 'train', runId: run.id, lease: lease.generation },
        `Train ${MODEL_LABELS[run.model]} (run ${run.id})`,
      );
    } catch (error) {
      this.whenWritable(`give up run ${run.id}`, () => {
        this.runs.fenced(lease.generation).setStatus(run.id, 'interrupted', 'Casebook was shutting down');
        this.runs.owners.release(lease);
      });
      throw error;
    }
    this.runJobs.set(run.id, { jobId: job.id, lease });
    this.options.emit('runUpdated', { run, epoch: null });
    return { run, job };
  }

  /** Keeps a run's status true when its job ended without the worker saying so (a crash, a kill). */
  private jobSettled(info: JobInfo, spec: JobSpec): void {
    // disconnected: the queue is let go once the last job on it has ended (after this one's bookkeeping)
    if (this.agents?.draining && this.jobs.openRemote() === 0 && !this.shuttingDown)
      queueMicrotask(() => {
        if (this.agents?.draining && this.jobs.openRemote() === 0 && !this.shuttingDown)
          void this.releaseAgents().then(() => this.agentsChanged());
      });
    if (spec.kind === 'evaluate' && this.evaluationJobs.get(spec.runId) === info.id) {
      this.evaluationJobs.delete(spec.runId);
    }
    // a worker that exits after close() has nothing left to record here
    if (spec.kind !== 'train' || this.closed) return;
    if (this.shuttingDown && this.jobs.launchedRemotely(info.id)) {
      // an agent carries on: the run stays running and claimed, for this study's next Lab to adopt
      this.runJobs.delete(spec.runId);
      return;
    }
    this.runJobs.delete(spec.runId);
    this.cancelForwarded.delete(spec.runId);
    // taken over by another process (this one was silent too long) or deleted: no longer ours to write
    if (!this.runs.owners.holds(spec.runId, spec.lease)) return;
    const run = this.runs.get(spec.runId);
    const shuttingDown = this.shuttingDown;
    if (!shuttingDown) this.studies.trainingSettled(run, info);
    const status = shuttingDown
      ? 'interrupted'
      : info.status === 'cancelled'
        ? 'cancelled'
        : info.status === 'done'
          ? 'done'
          : 'failed';
    const error =
      status === 'failed'
        ? (info.error ?? 'the trainer stopped')
        : status === 'interrupted'
          ? `${TRAINING_AT_SHUTDOWN} (${info.error ?? 'its job ended'})`
          : null;
    this.whenWritable(`record how run ${run.id} ended`, () => {
      const fenced = this.runs.fenced(spec.lease);
      try {
        for (const stale of [this.runs.get(run.id), ...this.runs.members(run.id)]) {
          if (stale.status !== 'queued' && stale.status !== 'running') continue;
          // a run still queued never trained: say so, not "while this run was training"
          const said = status === 'interrupted' && stale.status === 'queued' ? QUEUED_AT_SHUTDOWN : error;
          const updated = fenced.setStatus(stale.id, status, said);
          this.options.emit('runUpdated', { run: updated, epoch: null });
        }
      } catch (error) {
        if (!(error instanceof LeaseLostError)) throw error;
        return;
      }
      this.runs.owners.release({ runId: run.id, generation: spec.lease });
    });
  }

  /**
   * A write of this Lab's own bookkeeping, done now or, while another process holds the write
   * lock, retried later off the event loop (for up to a minute, while the Lab is open). Each try
   * must be whole or nothing, and repeatable.
   */
  private whenWritable(what: string, write: () => void, attempt = 0, deadline = Date.now() + 60_000): void {
    if (this.closed) return;
    try {
      write();
    } catch (error) {
      if (isBusy(error) && Date.now() < deadline) {
        setTimeout(() => this.whenWritable(what, write, attempt + 1, deadline), busyBackoffMs(attempt)).unref();
        return;
      }
      // thrown to the caller the first time (as any failed write), reported from a later try
      if (attempt === 0 && !isBusy(error)) throw error;
      console.error(`casebook: could not ${what}: ${isBusy(error) ? BUSY_MESSAGE : errorMessage(error)}`);
    }
  }

  /**
   * Keeps this Lab's runs owned (heartbeat) and passes cancel requests from other processes on to
   * their jobs; a job whose run was taken over meanwhile (this Lab was silent too long) is cancelled.
   */
  private beat(): void {
    if (this.closed) return;
    try {
      const owned = [...this.runJobs.entries()];
      this.runs.owners.heartbeat(
        owned.map(([, { lease }]) => lease),
        this.me,
      );
      for (const [runId, { jobId, lease }] of owned) {
        if (this.cancelForwarded.has(runId)) continue;
        if (this.runs.owners.holds(runId, lease.generation) && !this.runs.owners.cancelRequested(runId)) continue;
        this.cancelForwarded.add(runId);
        this.jobs.cancel(jobId);
      }
    } catch (error) {
      // another process holds the write lock: the next beat comes well within the stale limit
      if (!isBusy(error)) console.error(`casebook: run heartbeat failed: ${errorMessage(error)}`);
    }
  }

  /** A stored image as PNG bytes (for the custom protocol and the HTTP door). */
  async imagePng(datasetId: number, split: Split, index: number): Promise<Buffer> {
    const image = this.datasets.image(datasetId, split, index);
    return encodePng(image.pixels, image.shape);
  }

  /** A test image with the run's current Grad-CAM map blended over it, as PNG (the gallery's tiles). */
  async overlayPng(runId: number, index: number, params: OverlayParams): Promise<Buffer> {
    const run = this.runs.get(runId);
    const map = overlayMap(this.stores.explanations, runId, index, params.map);
    const image = this.datasets.image(run.datasetId, 'test', index);
    return renderOverlay(image.pixels, image.shape, map, params);
  }

  /**
   * Stops for good, leaving every run resumable: nothing new starts, queued jobs are dropped
   * (their runs interrupted), the running job is asked to stop (a training run becomes
   * interrupted at its last finished epoch) and killed if it does not within a few seconds,
   * and the database closes last. Idempotent.
   */
  shutdown(): Promise<void> {
    if (!this.stopping) {
      this.shuttingDown = true;
      this.stopping = this.jobs.shutdown().then(async () => {
        const agents = this.agents;
        this.close();
        await agents?.queue.close();
      });
    }
    return this.stopping;
  }

  /** Closes at once: kills the workers, gives up this Lab's runs (the next Lab marks them interrupted) and closes the database. */
  close(): void {
    if (this.closed) return;
    this.shuttingDown = true;
    this.stopping ??= Promise.resolve();
    clearInterval(this.heartbeat);
    for (const { jobId, lease } of this.runJobs.values()) {
      // an agent's run stays claimed: its results still come, for this study's next Lab to record
      if (this.jobs.launchedRemotely(jobId)) continue;
      try {
        this.runs.owners.release(lease);
      } catch (error) {
        // busy: left owned by this process, which is about to be gone: the next Lab calls it interrupted
        if (!isBusy(error)) throw error;
      }
    }
    this.closed = true;
    this.jobs.dispose();
    void this.compute?.close();
    this.agents?.queue.detach();
    this.db.close();
    void this.agents?.queue.close();
  }
}

/** Opens the agents' queue of a study (BullMQ on Redis). */
function openAgentQueue(url: QueueUrl, databasePath: string): Promise<RemoteJobs> {
  return AgentQueue.open({ url, databasePath });
}

export function failure(code: ErrorInfo['code'], message: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code, message } };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function importTitle(request: ImportRequestParsed): string {
  return request.kind === 'archive' ? `Import ${request.source}` : `Import folder ${request.path}`;
}
