/** Runs: a model family's hyperparameters, training, and what each epoch measured. */
import { z } from 'zod';
import { Empty, Id, JobInfo, type RequestSpec } from './common';
import { RunColour, RunName } from './run-identity';

/** 'ensemble': a deep ensemble of `members` CNNs, each its own run with its own seed. */
/** Why a run is interrupted when Casebook stopped: while it trained, or while it was still queued. */
export const TRAINING_AT_SHUTDOWN = 'Casebook stopped while this run was training';
export const QUEUED_AT_SHUTDOWN =
  'Casebook stopped while this run was queued: it has not trained yet (resume it to train)';

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
  /** The run's name, "CNN #3" unless the user renamed it (see run-identity.ts). */
  name: z.string(),
  /** The run's colour, `#rrggbb`, pinned when it was created, the same on every screen and figure. */
  colour: z.string(),
  /** The seed group the run belongs to (its smallest run id; see shared/run-groups.ts); null when alone. */
  group: Id.nullable(),
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
  /** The training agent that trained the run (`casebook agent --name`); null for the local worker. */
  agent: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const StartRunRequest = RunConfig.partial().extend({ datasetId: Id, model: ModelFamily });
export type StartRunRequest = z.input<typeof StartRunRequest>;

/** The most seeds one request repeats a run over. */
export const MAX_SEEDS = 50;
/** A run over n seeds (seed, seed + 1, …; a deep ensemble's by its member count): n runs, one seed group. */
export const StartRunsRequest = StartRunRequest.extend({ seeds: z.number().int().min(1).max(MAX_SEEDS) });
export type StartRunsRequest = z.input<typeof StartRunsRequest>;

/**
 * A study: one run per model (default the seed's three: cnn, vnn, mcdropout) on a dataset, each
 * trained, then evaluated, then explained, one model after another. `quick`: a smoke test on
 * few images and epochs.
 */
export const StartStudyRequest = z.object({
  datasetId: Id,
  models: z.array(ModelFamily).min(1).optional(),
  quick: z.boolean().default(false),
  /** Each model trained with this many seeds (seed, seed + 1, …: a seed group); default 1. */
  seeds: z.number().int().min(1).max(MAX_SEEDS).optional(),
});
export type StartStudyRequest = z.input<typeof StartStudyRequest>;
/** A started study: its runs, and the training job of each (their analysis is queued as each finishes). */
export const StudyStarted = z.object({ runs: z.array(RunSummary), jobs: z.array(JobInfo) });
export type StudyStarted = z.infer<typeof StudyStarted>;

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

export const runRequests = {
  modelDefaults: { input: Empty, output: z.record(ModelFamily, RunConfig) },
  listRuns: { input: Empty, output: z.array(RunSummary) },
  getRun: { input: z.object({ id: Id }), output: z.object({ run: RunSummary, epochs: z.array(EpochMetrics) }) },
  startRun: { input: StartRunRequest, output: z.object({ run: RunSummary, job: JobInfo }) },
  /** Starts a study: a run per model, each trained, evaluated and explained in turn. */
  startStudy: { input: StartStudyRequest, output: StudyStarted },
  /** Imports the bundled sample (500 training and 100 test images each of deer, frog, truck) and quick-studies the seed's three models on it. */
  startSampleStudy: { input: Empty, output: StudyStarted.extend({ datasetId: Id }) },
  /** Starts a run over `seeds` seeds: runs that differ only by seed (a seed group). */
  startRuns: { input: StartRunsRequest, output: StudyStarted },
  /** Adds `seeds` runs to a run's seed group, with the next seeds not used in it, and queues them. */
  repeatRun: {
    input: z.object({ id: Id, seeds: z.number().int().min(1).max(MAX_SEEDS) }),
    output: StudyStarted,
  },
  /** Continues an interrupted, failed or cancelled run from its last checkpoint. */
  resumeRun: { input: z.object({ id: Id }), output: z.object({ run: RunSummary, job: JobInfo }) },
  /**
   * Deletes a run with its epochs, checkpoints, evaluations and explanations, and an ensemble's
   * members; refused while any process trains it. Answers the ids deleted.
   */
  deleteRun: { input: z.object({ id: Id }), output: z.object({ deleted: z.array(Id) }) },
  cancelRun: { input: z.object({ id: Id }), output: RunSummary },
  /** Renames a run (names need not be unique). */
  renameRun: { input: z.object({ id: Id, name: RunName }), output: RunSummary },
  /** Sets the colour a run has on every screen and figure. */
  setRunColour: { input: z.object({ id: Id, colour: RunColour }), output: RunSummary },
} as const satisfies Record<string, RequestSpec>;

export const runEvents = {
  /** A run changed status or finished an epoch. */
  runUpdated: z.object({ run: RunSummary, epoch: EpochMetrics.nullable() }),
  /** Runs were deleted (an ensemble with its members), by this or another door. */
  runsDeleted: z.object({ deleted: z.array(Id) }),
  /** Per-batch training progress (throttled). */
  runProgress: RunProgress,
} as const satisfies Record<string, z.ZodType>;
