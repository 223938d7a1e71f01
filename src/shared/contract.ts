/**
 * The one contract between the renderer and the main side. Every request and every event is
 * declared here once, with a runtime schema; the TypeScript types are derived from the schemas.
 * Electron IPC, the preload and the HTTP server are all generated from these two maps, so a
 * channel name never appears twice. No Node and no DOM in this folder.
 */
import { z } from 'zod';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;
export const DEFAULT_CLASSES = ['deer', 'frog', 'truck'] as const;
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

export const Id = z.number().int().positive();
export const Split = z.enum(['train', 'test']);
export type Split = z.infer<typeof Split>;

const ClassCounts = z.record(z.string(), z.number().int().nonnegative());

export const DatasetSummary = z.object({
  id: Id,
  name: z.string(),
  source: z.string(),
  kind: z.enum(['cifar10', 'folder']),
  classes: z.array(z.string()),
  counts: z.object({ train: ClassCounts, test: ClassCounts }),
  imageShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  contentHash: z.string(),
  sourceSha256: z.string().nullable(),
  createdAt: z.string(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const SkippedFile = z.object({ file: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof SkippedFile>;

export const ImportResult = z.object({
  dataset: DatasetSummary,
  /** true when the same content was already stored and the import reused it. */
  reused: z.boolean(),
  skipped: z.array(SkippedFile),
});
export type ImportResult = z.infer<typeof ImportResult>;

const Md5 = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/, 'an md5 is 32 hexadecimal digits')
  .transform((s) => s.toLowerCase());

export const ImportArchiveRequest = z.object({
  kind: z.literal('archive'),
  /** A local path or an http(s) URL; defaults to the official CIFAR-10 URL. */
  source: z.string().min(1).default(CIFAR10_URL),
  classes: z
    .array(z.string().min(1))
    .min(1)
    .default([...DEFAULT_CLASSES]),
  md5: Md5.optional(),
  name: z.string().min(1).optional(),
});
export const ImportFolderRequest = z.object({
  kind: z.literal('folder'),
  path: z.string().min(1),
  /** Share of each class put in the test split when the folder has no train/ and test/. */
  testFraction: z.number().gt(0).lt(1).default(0.2),
  name: z.string().min(1).optional(),
});
export const ImportRequest = z.discriminatedUnion('kind', [ImportArchiveRequest, ImportFolderRequest]);
export type ImportRequest = z.input<typeof ImportRequest>;
export type ImportRequestParsed = z.output<typeof ImportRequest>;

export const JobKind = z.enum(['import', 'train', 'evaluate', 'explain']);
export const JobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export const JobInfo = z.object({
  id: z.string(),
  kind: JobKind,
  title: z.string(),
  status: JobStatus,
  error: z.string().nullable(),
});
export type JobInfo = z.infer<typeof JobInfo>;

export const Progress = z.object({
  phase: z.string(),
  /** Units done and total units; total is null when unknown. */
  done: z.number().nonnegative(),
  total: z.number().nonnegative().nullable(),
  unit: z.enum(['bytes', 'images', 'files', 'steps']),
});
export type Progress = z.infer<typeof Progress>;

export const AppInfo = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'browser']),
  databasePath: z.string(),
  defaultArchiveUrl: z.string(),
  cifarClasses: z.array(z.string()),
  defaultClasses: z.array(z.string()),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const ImagePage = z.object({
  total: z.number().int().nonnegative(),
  items: z.array(z.object({ index: z.number().int().nonnegative(), label: z.number().int() })),
});
export type ImagePage = z.infer<typeof ImagePage>;

/** 'ensemble': a deep ensemble of `members` CNNs, each its own run with its own seed. */
export const ModelFamily = z.enum(['cnn', 'vnn', 'mcdropout', 'ensemble']);
export type ModelFamily = z.infer<typeof ModelFamily>;
export const MODEL_LABELS: Record<ModelFamily, string> = {
  cnn: 'CNN',
  vnn: 'VNN',
  mcdropout: 'MC dropout',
  ensemble: 'Deep ensemble',
};

/** Every hyperparameter of a run. Defaults per family are the seed's (`defaultRunConfig`). */
export const RunConfig = z.object({
  model: ModelFamily,
  epochs: z.number().int().min(1).max(10_000),
  batchSize: z.number().int().min(1).max(8192),
  learningRate: z.number().positive().max(10),
  /** Early stopping on val_loss: epochs without improvement before stopping; 0 turns it off. */
  patience: z.number().int().min(0),
  minDelta: z.number().min(0),
  /** Share of the training set held out for validation. */
  validationFraction: z.number().min(0.01).max(0.9),
  /** 'tail': the last share, as the seed (Keras validation_split); 'shuffled': drawn with the seed. */
  validationSplit: z.enum(['tail', 'shuffled']),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  /** Dropout rate (CNN 0.2, MC dropout 0.5; unused by the VNN). */
  dropout: z.number().min(0).max(0.95),
  /** VNN latent dimensions. */
  latent: z.number().int().min(1).max(1024),
  /** MC dropout's τ in its L2 weights keep_prob / (τ·N). */
  tau: z.number().positive(),
  /** Deep ensemble: how many CNNs (seeds seed, seed + 1, …); unused by the other families. */
  members: z.number().int().min(2).max(50).default(5),
  /** Use only the first n training images (and test images): for smoke tests. */
  trainLimit: z.number().int().positive().nullable(),
  testLimit: z.number().int().positive().nullable(),
});
export type RunConfig = z.infer<typeof RunConfig>;

const COMMON_DEFAULTS = {
  learningRate: 1e-3,
  patience: 10,
  minDelta: 0,
  validationFraction: 0.2,
  validationSplit: 'tail',
  seed: 42,
  latent: 32,
  tau: 0.5,
  members: 5,
  trainLimit: null,
  testLimit: null,
} as const;

/** The seed's settings for each family (DESIGN.md §1). */
export function defaultRunConfig(model: ModelFamily): RunConfig {
  switch (model) {
    case 'cnn':
      return { ...COMMON_DEFAULTS, model, epochs: 50, batchSize: 256, dropout: 0.2 };
    case 'vnn':
      return { ...COMMON_DEFAULTS, model, epochs: 75, batchSize: 100, dropout: 0 };
    case 'mcdropout':
      return { ...COMMON_DEFAULTS, model, epochs: 50, batchSize: 200, dropout: 0.5 };
    case 'ensemble':
      return { ...defaultRunConfig('cnn'), model };
  }
}

export const RunStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

export const EpochMetrics = z.object({
  epoch: z.number().int().positive(),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  seconds: z.number().nonnegative(),
  imagesPerSecond: z.number().nonnegative(),
});
export type EpochMetrics = z.infer<typeof EpochMetrics>;

export const RunSummary = z.object({
  id: Id,
  datasetId: Id,
  datasetHash: z.string(),
  model: ModelFamily,
  config: RunConfig,
  /** The deep-ensemble run this run is a member of. */
  parentId: Id.nullable(),
  status: RunStatus,
  error: z.string().nullable(),
  backend: z.string().nullable(),
  params: z.number().int().nullable(),
  epochsDone: z.number().int().nonnegative(),
  bestEpoch: z.number().int().nullable(),
  bestValLoss: z.number().nullable(),
  trainSeconds: z.number().nonnegative(),
  imagesPerSecond: z.number().nullable(),
  testLoss: z.number().nullable(),
  testAccuracy: z.number().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const StartRunRequest = RunConfig.partial().extend({ datasetId: Id, model: ModelFamily });
export type StartRunRequest = z.input<typeof StartRunRequest>;

export const RunProgress = z.object({
  runId: Id,
  epoch: z.number().int().positive(),
  epochs: z.number().int().positive(),
  batch: z.number().int().nonnegative(),
  batches: z.number().int().positive(),
  loss: z.number(),
  accuracy: z.number(),
  imagesPerSecond: z.number().nonnegative(),
  /** Seconds left if every remaining epoch runs (early stopping may end sooner). */
  etaSeconds: z.number().nonnegative().nullable(),
  /** When training a deep ensemble: which member (1-based) of how many; runId is the member's. */
  member: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }).optional(),
});
export type RunProgress = z.infer<typeof RunProgress>;

const Nullable = z.number().nullable();

/** What an evaluation of a run on its test set measured (DESIGN.md §4). */
export const RunMetrics = z.object({
  images: z.number().int().nonnegative(),
  /** T: stochastic samples per image (1 for a deterministic model). */
  samples: z.number().int().positive(),
  accuracy: z.number(),
  /** Hand–Till multiclass AUC from the (mean) probabilities. */
  aucHandTill: z.number(),
  /** The seed's AUC: pROC::multiclass.roc on hard predicted labels. */
  aucSeedStyle: z.number(),
  nll: z.number(),
  brier: z.number(),
  ece: z.number(),
  aurc: z.number(),
  perClass: z.array(z.object({ name: z.string(), precision: Nullable, recall: Nullable, support: z.number().int() })),
  /** Rows: true class; columns: predicted class. */
  confusion: z.array(z.array(z.number().int())),
  reliability: z.array(
    z.object({
      lower: z.number(),
      upper: z.number(),
      count: z.number().int(),
      meanConfidence: Nullable,
      accuracy: Nullable,
    }),
  ),
  /** The risk–coverage curve, thinned to at most 200 points. */
  riskCoverage: z.array(z.object({ coverage: z.number(), risk: z.number() })),
  /** Mean over images of the MC standard error of the predicted probability, per T′ (stochastic runs). */
  convergence: z.array(z.object({ samples: z.number().int(), standardError: z.number() })),
  meanEntropy: z.number(),
  meanMutualInformation: Nullable,
  seconds: z.number().nonnegative(),
});
export type RunMetrics = z.infer<typeof RunMetrics>;

export const CamMethodName = z.enum(['gradcam', 'gradcampp']);
export type CamMethodName = z.infer<typeof CamMethodName>;
export const CAM_METHOD_LABELS: Record<CamMethodName, string> = { gradcam: 'Grad-CAM', gradcampp: 'Grad-CAM++' };

/** What is differentiated: the pre-softmax class score (default) or the softmax output (the seed). */
export const CamScore = z.enum(['logit', 'probability']);
export type CamScore = z.infer<typeof CamScore>;

/** How to explain a run: method, layer (default: the last conv layer), score, T for stochastic models. */
export const ExplainRequest = z.object({
  id: Id,
  method: CamMethodName.default('gradcam'),
  layer: z.string().min(1).optional(),
  score: CamScore.default('logit'),
  samples: z.number().int().min(2).max(1000).optional(),
  /** Explain this class (its index) for every image, instead of the predicted (and true) class. */
  targetClass: z.number().int().nonnegative().optional(),
});
export type ExplainRequest = z.input<typeof ExplainRequest>;

/** A run's Grad-CAM over its test set, with the checks that the maps mean something. */
export const ExplanationSummary = z.object({
  method: CamMethodName,
  layer: z.string(),
  score: CamScore,
  /** The class every map explains, or null: the predicted class (and the true one where it differs). */
  targetClass: z.number().int().nonnegative().nullable().default(null),
  /** Samples per image: T (MC Grad-CAM), members (ensemble), or 1. */
  samples: z.number().int().positive(),
  images: z.number().int().nonnegative(),
  /** [height, width] of the stored maps (the layer's resolution). */
  mapShape: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  /** Deletion check: mean drop in the explained class's probability when the top share of pixels by CAM, or a random share, is replaced by the image mean. */
  deletion: z.array(z.object({ fraction: z.number(), deletionDrop: z.number(), randomDrop: z.number() })),
  /** The deletion check at 20 %. */
  deletionDrop: z.number(),
  randomDrop: z.number(),
  /** Mean share of the (predicted-class) map's mass in the image's outer ring (the border 25 % of the area). */
  meanBackground: z.number().nullable(),
  /** Over all pixels of all maps: the mean and the largest standard deviation over samples (null with one sample). */
  meanStd: z.number().nullable().default(null),
  maxStd: z.number().nullable().default(null),
  seconds: z.number().nonnegative(),
});
export type ExplanationSummary = z.infer<typeof ExplanationSummary>;

/** One test image's maps (row-major, mapShape), its prediction and its background share. */
export const ImageExplanation = z.object({
  index: z.number().int().nonnegative(),
  label: z.number().int(),
  predicted: z.number().int(),
  probability: z.number(),
  /** Map for the explained class (the predicted one, or the chosen `targetClass`), scaled to [0, 1]; the mean over samples for stochastic models. */
  map: z.array(z.number()),
  /** Standard deviation over samples (stochastic models and ensembles), else null. */
  std: z.array(z.number()).nullable(),
  /** Map for the true class when it differs from the predicted one. */
  trueMap: z.array(z.number()).nullable(),
  trueStd: z.array(z.number()).nullable(),
  background: z.number().nullable(),
});
export type ImageExplanation = z.infer<typeof ImageExplanation>;

const Empty = z.object({}).strict();

/** Requests: renderer → main, each answered with a result envelope. */
export const requests = {
  appInfo: { input: Empty, output: AppInfo },
  listDatasets: { input: Empty, output: z.array(DatasetSummary) },
  getDataset: { input: z.object({ id: Id }), output: DatasetSummary },
  listImages: {
    input: z.object({
      datasetId: Id,
      split: Split,
      label: z.number().int().nonnegative().optional(),
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(1000).default(100),
    }),
    output: ImagePage,
  },
  startImport: { input: ImportRequest, output: z.object({ job: JobInfo }) },
  modelDefaults: { input: Empty, output: z.record(ModelFamily, RunConfig) },
  listRuns: { input: Empty, output: z.array(RunSummary) },
  getRun: { input: z.object({ id: Id }), output: z.object({ run: RunSummary, epochs: z.array(EpochMetrics) }) },
  startRun: { input: StartRunRequest, output: z.object({ run: RunSummary, job: JobInfo }) },
  /** Continues an interrupted, failed or cancelled run from its last checkpoint. */
  resumeRun: { input: z.object({ id: Id }), output: z.object({ run: RunSummary, job: JobInfo }) },
  cancelRun: { input: z.object({ id: Id }), output: RunSummary },
  /**
   * Deletes a run with its epochs, checkpoints, evaluations, explanations and (an ensemble's)
   * members; refused while any process trains it. Answers the ids deleted.
   */
  deleteRun: { input: z.object({ id: Id }), output: z.object({ deleted: z.array(Id) }) },
  /** Evaluates a finished run on its test set (T samples per image for stochastic models). */
  evaluateRun: {
    input: z.object({ id: Id, samples: z.number().int().min(2).max(10_000).optional() }),
    output: z.object({ job: JobInfo }),
  },
  /** The run's newest evaluation, or null when it has none. */
  getEvaluation: { input: z.object({ runId: Id }), output: RunMetrics.nullable() },
  /** Computes Grad-CAM for every test image of a finished run, with the faithfulness check. */
  explainRun: { input: ExplainRequest, output: z.object({ job: JobInfo }) },
  /** The run's newest explanation, or null when it has none. */
  getExplanation: { input: z.object({ runId: Id }), output: ExplanationSummary.nullable() },
  /** A page of the newest explanation's per-image maps, in test order or most background-reliant first. */
  listExplanationImages: {
    input: z.object({
      runId: Id,
      order: z.enum(['index', 'background']).default('index'),
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(200).default(24),
    }),
    output: z.object({ total: z.number().int().nonnegative(), items: z.array(ImageExplanation) }),
  },
  listJobs: { input: Empty, output: z.array(JobInfo) },
  cancelJob: { input: z.object({ jobId: z.string() }), output: JobInfo },
} as const;

/** Events: main → renderer, pushed. */
export const events = {
  jobProgress: z.object({ jobId: z.string(), progress: Progress }),
  jobFinished: z.object({ job: JobInfo, result: ImportResult.nullable() }),
  datasetsChanged: z.object({}),
  /** A run changed status or finished an epoch. */
  runUpdated: z.object({ run: RunSummary, epoch: EpochMetrics.nullable() }),
  /** Per-batch training progress (throttled). */
  runProgress: RunProgress,
  /** An evaluation of a run was stored. */
  runEvaluated: z.object({ runId: Id, metrics: RunMetrics }),
  /** An explanation (Grad-CAM) of a run was stored. */
  runExplained: z.object({ runId: Id, summary: ExplanationSummary }),
} as const;

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export type RequestInput<K extends RequestName> = z.input<Requests[K]['input']>;
export type RequestArgs<K extends RequestName> = z.output<Requests[K]['input']>;
export type RequestOutput<K extends RequestName> = z.output<Requests[K]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

export const requestNames = Object.keys(requests) as RequestName[];
export const eventNames = Object.keys(events) as EventName[];

/** Channel names, derived in one place for IPC and HTTP alike. */
export const requestChannel = (name: RequestName): string => `casebook:request:${name}`;
export const eventChannel = (name: EventName): string => `casebook:event:${name}`;

/** Result envelope: no exception ever crosses a process boundary. */
export const ErrorInfo = z.object({
  code: z.enum(['bad-request', 'not-found', 'conflict', 'failed', 'unavailable', 'unauthorized']),
  message: z.string(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** The typed surface the renderer sees, whatever carries it (Electron IPC or HTTP). */
export interface CasebookApi {
  request<K extends RequestName>(name: K, input: RequestInput<K>): Promise<Result<RequestOutput<K>>>;
  /** Subscribes to an event; returns a disposer. */
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
}

/** Where the renderer fetches a stored image (a PNG); the door decides the base. */
export const imagePath = (datasetId: number, split: Split, index: number): string =>
  `image/${datasetId}/${split}/${index}.png`;
export const IMAGE_PATH_PATTERN = /^\/?image\/(\d+)\/(train|test)\/(\d+)\.png$/;

/** Formats a zod error as "field: problem; field: problem". */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
}
