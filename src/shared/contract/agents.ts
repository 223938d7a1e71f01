/**
 * Training agents: what the app puts on the Redis queue for an agent (a job), what the app keeps
 * there for a job to resume from, and what an agent sends back (results). Both sides validate
 * every message with these schemas; a job names data (configs, content hashes, run ids), never
 * code or paths. Binary parts (weights) travel as base64.
 */
import { z } from 'zod';
import { Progress } from './common';
import { RunMetrics } from './evaluation';
import { ExplainRequest, ExplanationSummary } from './explanation';
import { EpochMetrics, RunConfig, RunProgress, RunStatus } from './runs';

/** The most a job, a resume state or one result may weigh as JSON, in bytes. */
export const MAX_AGENT_JOB_BYTES = 64 * 1024;
export const MAX_AGENT_RESULT_BYTES = 64 * 1024 * 1024;

/** A queue name the app listens on for a study's results: `casebook-results-` and 16 hex digits. */
export const ResultQueueName = z.string().regex(/^casebook-results-[0-9a-f]{16}$/, 'not a Casebook results queue');
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256 content hash');
const JobKey = z.string().regex(/^(train|evaluate|explain)-[0-9]+-[0-9]+$/, 'not a Casebook job key');
const RunId = z.number().int().positive();
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');

const JobBase = {
  v: z.literal(1),
  /** The app's key of the job (`train-<run>-<lease>`, `evaluate-<run>-<n>`), part of BullMQ's job id. */
  key: JobKey,
  runId: RunId,
  /** A training: the generation of the app's claim on the run (results of an older claim are refused); else the job's number. */
  lease: z.number().int().nonnegative(),
  datasetHash: Sha256,
  replyTo: ResultQueueName,
  /** Reasons of earlier attempts that failed (agent: message), kept for the final failure. */
  reasons: z.array(z.string().max(2_000)).max(10).default([]),
};

/** A job on the queue (BullMQ job data): a training, an evaluation or an explanation of a run. */
export const AgentJob = z.discriminatedUnion('kind', [
  z.strictObject({ ...JobBase, kind: z.literal('train') }),
  z.strictObject({
    ...JobBase,
    kind: z.literal('evaluate'),
    samples: z.number().int().positive().max(10_000).optional(),
  }),
  z.strictObject({ ...JobBase, kind: z.literal('explain'), request: ExplainRequest }),
]);
export type AgentJob = z.output<typeof AgentJob>;

/** A saved model as it travels: the store's checkpoint, its weights in base64. */
export const WireCheckpoint = z.strictObject({
  epoch: z.number().int().nonnegative(),
  topology: z.unknown(),
  weightSpecs: z.unknown(),
  weights: Base64,
  trainingConfig: z.unknown(),
  state: z.unknown(),
});
export type WireCheckpoint = z.output<typeof WireCheckpoint>;

/** A run as the agent needs it to train (an ensemble's members are runs too). */
export const AgentRun = z.strictObject({
  id: RunId,
  parentId: RunId.nullable(),
  config: RunConfig,
  status: RunStatus,
  epochsDone: z.number().int().nonnegative(),
  bestEpoch: z.number().int().nullable(),
  bestValLoss: z.number().nullable(),
  checkpoints: z.strictObject({ last: WireCheckpoint.nullable(), best: WireCheckpoint.nullable() }),
});
export type AgentRun = z.output<typeof AgentRun>;

/** What an explanation needs of the run's current evaluation: its predictions. */
export const WirePrediction = z.strictObject({
  index: z.number().int().nonnegative(),
  label: z.number().int().nonnegative(),
  predicted: z.number().int().nonnegative(),
  confidence: z.number(),
  probabilities: z.array(z.number()).max(1000),
});

/**
 * What a job starts (or resumes) from, kept in Redis by the app: the runs as the app last
 * recorded them, with their checkpoints (written when the job is queued and after every epoch
 * recorded), and for an explanation the run's current evaluation.
 */
export const ResumeState = z.strictObject({
  key: JobKey,
  runs: z.array(AgentRun).min(1).max(51),
  evaluation: z
    .strictObject({ metrics: RunMetrics, predictions: z.array(WirePrediction).max(1_000_000) })
    .nullable()
    .default(null),
});
export type ResumeState = z.output<typeof ResumeState>;

/** What an agent says about itself. */
export const AgentInfo = z.strictObject({
  name: z.string().min(1).max(80),
  backend: z.string().max(200),
  cores: z.number().int().positive(),
  memoryMb: z.number().int().nonnegative(),
});
export type AgentInfo = z.output<typeof AgentInfo>;

/** One training write of the agent, replayed by the app on its own store (fenced by the lease). */
export const AgentWrite = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('started'),
    runId: RunId,
    backend: z.string().max(200),
    params: z.number().int().nonnegative(),
  }),
  z.strictObject({
    op: z.literal('epoch'),
    runId: RunId,
    metrics: EpochMetrics,
    best: z.strictObject({ epoch: z.number().int().positive(), valLoss: z.number() }).nullable(),
    checkpoints: z.strictObject({ last: WireCheckpoint.optional(), best: WireCheckpoint.optional() }),
  }),
  z.strictObject({ op: z.literal('test'), runId: RunId, loss: z.number(), accuracy: z.number() }),
  z.strictObject({
    op: z.literal('ensemble'),
    runId: RunId,
    backend: z.string().max(200).nullable(),
    params: z.number().int().nonnegative(),
    trainSeconds: z.number().nonnegative(),
    epochs: z.number().int().nonnegative(),
  }),
  /** An evaluation: its metrics, per-image predictions and (stochastic runs) samples as float32 base64. */
  z.strictObject({
    op: z.literal('evaluation'),
    runId: RunId,
    metrics: RunMetrics,
    images: z.array(
      z.strictObject({
        index: z.number().int().nonnegative(),
        label: z.number().int().nonnegative(),
        predicted: z.number().int().nonnegative(),
        confidence: z.number(),
        probabilities: z.array(z.number()).max(1000),
        entropy: z.number(),
        mutualInformation: z.number().nullable(),
        variationRatio: z.number().nullable(),
        majority: z.number().int().nullable(),
        boxplots: z
          .array(
            z.strictObject({
              stats: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()]),
              n: z.number().int(),
              conf: z.tuple([z.number(), z.number()]),
              out: z.array(z.number()),
            }),
          )
          .nullable(),
      }),
    ),
    samples: Base64.nullable(),
  }),
  /** An explanation: its summary and each image's maps as float32 base64. */
  z.strictObject({
    op: z.literal('explanation'),
    runId: RunId,
    summary: ExplanationSummary,
    images: z.array(
      z.strictObject({
        index: z.number().int().nonnegative(),
        label: z.number().int().nonnegative(),
        predicted: z.number().int().nonnegative(),
        probability: z.number(),
        background: z.number().nullable(),
        map: Base64,
        std: Base64.nullable(),
        trueMap: Base64.nullable(),
        trueStd: Base64.nullable(),
      }),
    ),
  }),
  /** Only 'running' and 'done': a failure goes through the job (another agent may retry it). */
  z.strictObject({ op: z.literal('status'), runId: RunId, status: z.enum(['running', 'done']) }),
]);
export type AgentWrite = z.output<typeof AgentWrite>;

/** A message from an agent to the app's results queue. */
export const AgentResult = z.discriminatedUnion('type', [
  z.strictObject({
    v: z.literal(1),
    type: z.literal('claimed'),
    key: JobKey,
    lease: z.number().int(),
    agent: AgentInfo,
  }),
  z.strictObject({
    v: z.literal(1),
    type: z.literal('progress'),
    key: JobKey,
    lease: z.number().int(),
    agent: z.string().max(80),
    progress: Progress,
    run: RunProgress.nullable(),
  }),
  z.strictObject({
    v: z.literal(1),
    type: z.literal('write'),
    key: JobKey,
    lease: z.number().int(),
    write: AgentWrite,
  }),
  z.strictObject({ v: z.literal(1), type: z.literal('done'), key: JobKey, lease: z.number().int() }),
  z.strictObject({
    v: z.literal(1),
    type: z.literal('failed'),
    key: JobKey,
    lease: z.number().int(),
    error: z.string().max(20_000),
    cancelled: z.boolean(),
  }),
]);
export type AgentResult = z.output<typeof AgentResult>;
