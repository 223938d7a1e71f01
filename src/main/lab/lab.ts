import { z } from 'zod';
import {
  CIFAR10_CLASSES,
  CIFAR10_URL,
  DEFAULT_CLASSES,
  defaultRunConfig,
  CAM_METHOD_LABELS,
  ExplainRequest as ExplainRequestSchema,
  MODEL_LABELS,
  ModelFamily,
  RunConfig,
  describeZodError,
  requests,
  type Annotation,
  type ErrorInfo,
  type ExplainRequest,
  type ImportRequestParsed,
  type RequestArgs,
  type RequestName,
  type RequestOutput,
  type Result,
  type JobInfo,
  type RunSummary,
  type Split,
  type StartRunRequest,
  QUEUED_AT_SHUTDOWN,
  TRAINING_AT_SHUTDOWN,
} from '../../shared/contract';
import { CaseService } from './cases/cases';
import { classBoxplots } from './evaluation/class-boxplots';
import { FigureService } from './figures/service';
import { ConflictError, errorCode } from './errors';
import { overlayMap, renderOverlay, type OverlayParams } from './images/overlay';
import { encodePng } from './images/png';
import { errorMessage, JobManager, type Emit, type WorkerLauncher } from './jobs/manager';
import { openDatabase, type Db } from './store/database';
import { DatasetStore } from './store/datasets';
import { RunStore } from './store/runs';
import { EvaluationStore } from './store/evaluations';
import { ExplanationStore } from './store/explanations';
import { DEFAULT_OWNERSHIP_TIMING, thisProcess, type OwnershipTiming } from './store/run-owners';
import type { JobSpec } from './jobs/protocol';
import { QUICK, SEED_MODELS, Studies } from './study';

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
  /** Heartbeat interval and stale limit of run ownership (default 5 s and 60 s). */
  ownership?: OwnershipTiming;
}

type Handlers = { [K in RequestName]: (args: RequestArgs<K>) => RequestOutput<K> | Promise<RequestOutput<K>> };

/**
 * The domain behind every door: one database, the job manager, and a handler per contract
 * request. `dispatch` validates what comes in and wraps what goes out in a result envelope.
 */
export class Lab {
  readonly db: Db;
  readonly datasets: DatasetStore;
  readonly runs: RunStore;
  readonly evaluations: EvaluationStore;
  readonly explanations: ExplanationStore;
  readonly jobs: JobManager;
  readonly cases: CaseService;
  readonly figures: FigureService;
  readonly studies: Studies;
  /** The job training each run, while it has one. */
  private readonly runJobs = new Map<number, string>();
  /** The newest evaluation job of each run, while it is queued or running. */
  private readonly evaluationJobs = new Map<number, string>();
  private readonly handlers: Handlers;
  /** This process: the owner of every run this Lab queues (its workers are its children). */
  private readonly me = thisProcess();
  private readonly heartbeat: NodeJS.Timeout;
  /** Runs whose cross-process cancel request was passed on to their job. */
  private readonly cancelForwarded = new Set<number>();
  /** Set when shutdown (or close) begins: nothing new starts, settling training runs become interrupted. */
  private shuttingDown = false;
  private stopping: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: LabOptions) {
    const timing = options.ownership ?? DEFAULT_OWNERSHIP_TIMING;
    this.db = openDatabase(options.databasePath);
    this.datasets = new DatasetStore(this.db);
    this.runs = new RunStore(this.db, timing.staleMs);
    this.evaluations = new EvaluationStore(this.db);
    this.explanations = new ExplanationStore(this.db);
    this.cases = new CaseService(this);
    this.figures = new FigureService(this);
    // only runs whose owner is gone: another live process may be training the rest
    this.runs.markInterrupted();
    this.heartbeat = setInterval(() => this.beat(), timing.heartbeatMs);
    this.heartbeat.unref();
    this.jobs = new JobManager({
      databasePath: options.databasePath,
      launch: options.launch,
      emit: options.emit,
      onSettled: (info, spec) => this.jobSettled(info, spec),
    });
    this.studies = new Studies(this, options.autoEvaluate ?? true);
    this.handlers = {
      appInfo: () => ({
        version: options.version,
        mode: options.mode,
        databasePath: options.databasePath,
        defaultArchiveUrl: CIFAR10_URL,
        cifarClasses: [...CIFAR10_CLASSES],
        defaultClasses: [...DEFAULT_CLASSES],
      }),
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
      startStudy: ({ datasetId, models, quick }) =>
        this.studies.start(datasetId, models ?? SEED_MODELS, quick ? QUICK : {}),
      startSampleStudy: async () => {
        const started = await this.studies.startSample();
        // the sample is imported here, not by an import job: tell the pages about the dataset
        this.options.emit('datasetsChanged', {});
        return started;
      },
      resumeRun: ({ id }) => this.resumeRun(id),
      cancelRun: ({ id }) => this.cancelRun(id),
      deleteRun: ({ id }) => ({ deleted: this.deleteRun(id) }),
      evaluateRun: ({ id, samples }) => ({ job: this.evaluate(id, samples) }),
      getEvaluation: ({ runId }) => {
        this.runs.get(runId);
        return this.evaluations.latest(runId)?.metrics ?? null;
      },
      explainRun: (request) => ({ job: this.explain(request) }),
      getExplanation: ({ runId }) => {
        this.runs.get(runId);
        return this.explanations.latest(runId)?.summary ?? null;
      },
      listExplanationImages: ({ runId, ...page }) => {
        this.runs.get(runId);
        const latest = this.explanations.latest(runId);
        return latest ? this.explanations.images(latest.id, page) : { total: 0, items: [] };
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
      describeFigure: (request) => this.figures.describe(request),
      exportFigure: (request) => this.figures.export(request),
    };
  }

  async dispatch<K extends RequestName>(name: K, input: unknown): Promise<Result<RequestOutput<K>>> {
    const spec = requests[name] as (typeof requests)[RequestName] | undefined;
    if (!spec) return failure('bad-request', `unknown request ${String(name)}`);
    if (this.shuttingDown) return failure('unavailable', `${name}: Casebook is shutting down`);
    const parsed = (spec.input as z.ZodType).safeParse(input ?? {});
    if (!parsed.success) return failure('bad-request', `${name}: ${describeZodError(parsed.error)}`);
    try {
      const handler = this.handlers[name] as (args: unknown) => RequestOutput<K> | Promise<RequestOutput<K>>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      return failure(errorCode(error), errorMessage(error));
    }
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
    const run = this.db
      .transaction(() => {
        const created = model === 'ensemble' ? this.runs.createEnsemble(input) : this.runs.create(input);
        this.runs.owners.claim(created.id, this.me);
        return created;
      })
      .immediate();
    return this.queueTraining(run);
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
    const queued = this.db
      .transaction(() => {
        this.runs.owners.claim(id, this.me);
        return this.runs.setStatus(id, 'queued');
      })
      .immediate();
    return this.queueTraining(queued);
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
    const jobId = this.runJobs.get(root);
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
    return this.runs.delete(id);
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
    if (this.evaluations.latest(run.id) === null && !this.evaluating(run.id)) this.evaluate(run.id, undefined, queue);
    return this.jobs.start(
      { kind: 'explain', request },
      `Explain run ${run.id} (${CAM_METHOD_LABELS[request.method]})`,
      queue,
    );
  }

  /** Whether an evaluation of the run is queued or running. */
  private evaluating(runId: number): boolean {
    const jobId = this.evaluationJobs.get(runId);
    if (jobId === undefined) return false;
    const { status } = this.jobs.get(jobId);
    return status === 'queued' || status === 'running';
  }

  /** Queues the training of a run this Lab has claimed; gives the run up again if it cannot. */
  private queueTraining(run: RunSummary): { run: RunSummary; job: JobInfo } {
    let job: JobInfo;
    try {
      job = this.jobs.start({ kind: 'train', runId: run.id }, `Train ${MODEL_LABELS[run.model]} (run ${run.id})`);
    } catch (error) {
      this.runs.setStatus(run.id, 'interrupted', 'Casebook was shutting down');
      this.runs.owners.release(run.id, this.me);
      throw error;
    }
    this.runJobs.set(run.id, job.id);
    this.options.emit('runUpdated', { run, epoch: null });
    return { run, job };
  }

  /** Keeps a run's status true when its job ended without the worker saying so (a crash, a kill). */
  private jobSettled(info: JobInfo, spec: JobSpec): void {
    if (spec.kind === 'evaluate' && this.evaluationJobs.get(spec.runId) === info.id) {
      this.evaluationJobs.delete(spec.runId);
    }
    // a worker that exits after close() has nothing left to record here
    if (spec.kind !== 'train' || this.closed) return;
    this.runJobs.delete(spec.runId);
    this.cancelForwarded.delete(spec.runId);
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
    for (const stale of [run, ...this.runs.members(run.id)]) {
      if (stale.status !== 'queued' && stale.status !== 'running') continue;
      // a run still queued never trained: say so, not "while this run was training"
      const said = status === 'interrupted' && stale.status === 'queued' ? QUEUED_AT_SHUTDOWN : error;
      const updated = this.runs.setStatus(stale.id, status, said);
      this.options.emit('runUpdated', { run: updated, epoch: null });
    }
    this.runs.owners.release(run.id, this.me);
  }

  /** Keeps this Lab's runs owned (heartbeat) and passes cancel requests from other processes on to their jobs. */
  private beat(): void {
    if (this.closed) return;
    try {
      const owned = [...this.runJobs.keys()];
      this.runs.owners.heartbeat(owned, this.me);
      for (const runId of owned) {
        const jobId = this.runJobs.get(runId);
        if (jobId === undefined || this.cancelForwarded.has(runId) || !this.runs.owners.cancelRequested(runId))
          continue;
        this.cancelForwarded.add(runId);
        this.jobs.cancel(jobId);
      }
    } catch (error) {
      console.error(`casebook: run heartbeat failed: ${errorMessage(error)}`);
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
    const map = overlayMap(this.db, runId, index, params.map);
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
      this.stopping = this.jobs.shutdown().then(() => this.close());
    }
    return this.stopping;
  }

  /** Closes at once: kills the workers, gives up this Lab's runs (the next Lab marks them interrupted) and closes the database. */
  close(): void {
    if (this.closed) return;
    this.shuttingDown = true;
    this.stopping ??= Promise.resolve();
    clearInterval(this.heartbeat);
    for (const runId of this.runJobs.keys()) this.runs.owners.release(runId, this.me);
    this.closed = true;
    this.jobs.dispose();
    this.db.close();
  }
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
