/**
 * A training agent (`casebook agent`): takes training jobs off the queue, trains each with the
 * app's own training code against a scratch study of its own (in memory: the job's dataset and
 * runs, resumed from the checkpoints the app recorded), and sends every write of the training
 * back to the app's results queue, in order. It never opens the app's database.
 */
import { cpus, hostname, totalmem } from 'node:os';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  AgentJob,
  describeZodError,
  MAX_AGENT_JOB_BYTES,
  MAX_AGENT_RESULT_BYTES,
  ResumeState,
  type AgentInfo,
  type AgentResult,
  type AgentWrite,
  type Progress,
  type RunProgress,
} from '../../../shared/contract';
import { initEngine } from '../engine/backend';
import { errorMessage } from '../jobs/errors';
import { trainingProgress } from '../jobs/run';
import { openDatabase } from '../store/database';
import { DatasetStore } from '../store/datasets';
import { insertAgentRuns } from '../store/agent-scratch';
import { trainRun } from '../training/train';
import { decodeDataset, fromWire, jsonBytes } from './wire';
import { fetchDataset, forgetDataset } from './datasets';
import { JOBS_QUEUE, keys } from './keys';
import { connect } from './queue';
import type { QueueUrl } from './url';
import { RelayEvaluationStore, RelayExplanationStore, RelayRunStore } from './relay-store';
import { RunStore } from '../store/runs';
import { evaluateRun } from '../evaluation/evaluate-run';
import { explainRun } from '../explain/explain-run';

export interface AgentOptions {
  url: QueueUrl;
  name?: string;
  /** Jobs at once (default 1). */
  concurrency?: number;
  /** Take one job, then stop. */
  once?: boolean;
  /** Where fetched datasets are kept, by content hash. */
  cacheDir: string;
  /** How long a job's lock lasts without renewal (default 30 s): a killed agent's job is taken up again after it. */
  lockMs?: number;
  /** Lines for the terminal. */
  log?: (message: string) => void;
  /** The running job's progress (for a progress bar); null when it ends. */
  onProgress?: (progress: Progress | null) => void;
}

export interface RunningAgent {
  info: AgentInfo;
  /** Resolves when the agent has stopped (after `--once`'s job, or `stop`). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

/** What this machine offers: backend (and threads), cores, memory. */
export async function describeAgent(name: string): Promise<AgentInfo> {
  const engine = await initEngine();
  return {
    name,
    backend: `${engine.backend} (${engine.how})`,
    cores: cpus().length,
    memoryMb: Math.round(totalmem() / 2 ** 20),
  };
}

/** Sends results in order, one at a time; a newer progress replaces one not yet sent. */
class ResultSender {
  private readonly pending: AgentResult[] = [];
  private pumping: Promise<void> | null = null;
  private failure: Error | null = null;

  constructor(private readonly queue: Queue) {}

  send(result: AgentResult): void {
    const bytes = jsonBytes(result);
    if (bytes > MAX_AGENT_RESULT_BYTES) {
      this.failure ??= new Error(
        `a result of ${(bytes / 1e6).toFixed(1)} MB is over the limit of ${MAX_AGENT_RESULT_BYTES / 1e6} MB`,
      );
      return;
    }
    const last = this.pending.at(-1);
    if (result.type === 'progress' && last?.type === 'progress') this.pending[this.pending.length - 1] = result;
    else this.pending.push(result);
    this.pumping ??= this.pump().finally(() => {
      this.pumping = null;
    });
  }

  private async pump(): Promise<void> {
    while (this.pending.length > 0) {
      const next = this.pending.shift() as AgentResult;
      try {
        await this.queue.add(next.type, next, { removeOnComplete: true, removeOnFail: 1000 });
      } catch (error) {
        this.failure ??= new Error(`could not send a result: ${errorMessage(error)}`);
      }
    }
  }

  /** Resolves when everything sent so far is on the queue; throws the first failure. */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
    if (this.failure) throw this.failure;
  }
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.log ?? ((message: string) => console.error(message));
  const info = await describeAgent(options.name ?? hostname());
  const redis = connect(options.url, log);
  const replies = new Map<string, Queue>();
  const replyQueue = (name: string) => {
    let queue = replies.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: redis });
      replies.set(name, queue);
    }
    return queue;
  };
  const lockMs = options.lockMs ?? 30_000;
  // eslint-disable-next-line prefer-const -- the processor needs the worker, which needs the processor
  let worker: Worker;
  const processor = async (job: Job): Promise<void> => {
    if (options.once) void worker.close();
    await runAgentJob(job, {
      info,
      redis,
      replyQueue,
      cacheDir: options.cacheDir,
      log,
      onProgress: options.onProgress,
    });
  };
  worker = new Worker(JOBS_QUEUE, processor, {
    connection: redis,
    // the app's Settings list the agents serving the queue by this name (Redis client names take no spaces)
    name: encodeURIComponent(info.name),
    concurrency: options.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: Math.max(1_000, Math.round(lockMs / 2)),
    maxStalledCount: 1,
  });
  worker.on('error', (error) => log(`agent ${info.name}: ${error.message}`));
  worker.on('failed', (job, error) => log(`job ${job?.id ?? '?'} failed: ${error.message}`));
  let stopping: Promise<void> | null = null;
  const stop = async () => {
    stopping ??= (async () => {
      await worker.close();
      for (const queue of replies.values()) await queue.close();
      redis.disconnect();
    })();
    return stopping;
  };
  const stopped = new Promise<void>((resolve) => {
    worker.on('closed', () => {
      void stop().then(resolve);
    });
  });
  return { info, stopped, stop };
}

interface JobEnv {
  info: AgentInfo;
  redis: Redis;
  replyQueue: (name: string) => Queue;
  cacheDir: string;
  log: (message: string) => void;
  onProgress?: ((progress: Progress | null) => void) | undefined;
}

/** Checks a job as it came off the queue: its size, then its shape. */
export function checkJob(raw: unknown, id: string): AgentJob {
  const bytes = jsonBytes(raw);
  if (bytes > MAX_AGENT_JOB_BYTES)
    throw new UnrecoverableError(`job ${id} refused: ${bytes} bytes is over the limit of ${MAX_AGENT_JOB_BYTES}`);
  const parsed = AgentJob.safeParse(raw);
  if (!parsed.success) throw new UnrecoverableError(`job ${id} refused: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

async function runAgentJob(job: Job, env: JobEnv): Promise<void> {
  const { info, redis, log } = env;
  let data: AgentJob;
  try {
    data = checkJob(job.data, job.id ?? '?');
  } catch (error) {
    log(errorMessage(error));
    throw error;
  }
  const base = { v: 1 as const, key: data.key, lease: data.lease };
  const sender = new ResultSender(env.replyQueue(data.replyTo));
  sender.send({ ...base, type: 'claimed', agent: info });
  const controller = new AbortController();
  const cancelKey = keys.cancel(data.replyTo, data.key);
  const poll = setInterval(() => {
    redis.exists(cancelKey).then(
      (found) => {
        if (found) controller.abort();
      },
      () => undefined,
    );
  }, 250);
  const db = openDatabase(':memory:');
  try {
    const stateText = await redis.get(keys.resume(data.replyTo, data.key));
    if (stateText === null)
      throw new UnrecoverableError(`job ${data.key}: the app keeps no state for it (was it cancelled?)`);
    if (Buffer.byteLength(stateText) > MAX_AGENT_RESULT_BYTES)
      throw new UnrecoverableError(
        `job ${data.key}: its resume state is over the limit of ${MAX_AGENT_RESULT_BYTES} bytes`,
      );
    const parsedState = ResumeState.safeParse(JSON.parse(stateText));
    if (!parsedState.success)
      throw new UnrecoverableError(
        `job ${data.key}: its resume state is malformed: ${describeZodError(parsedState.error)}`,
      );
    const recorded = parsedState.data.runs.reduce((sum, run) => sum + run.epochsDone, 0);
    log(
      `${info.name}: took ${data.key} (attempt ${job.attemptsMade + 1})` +
        (data.kind === 'train' && recorded > 0
          ? `, resuming after the ${recorded} epoch${recorded === 1 ? '' : 's'} the app recorded`
          : ''),
    );
    const { blob, fetched } = await fetchDataset(redis, data.datasetHash, env.cacheDir);
    if (fetched)
      log(`${info.name}: fetched dataset ${data.datasetHash.slice(0, 12)}… (${(blob.length / 1e6).toFixed(1)} MB)`);
    const datasets = new DatasetStore(db);
    const { dataset } = datasets.add(decodeDataset(blob));
    if (dataset.contentHash !== data.datasetHash) {
      forgetDataset(env.cacheDir, data.datasetHash);
      throw new Error(
        `dataset ${data.datasetHash.slice(0, 12)}… arrived with other content (${dataset.contentHash.slice(0, 12)}…)`,
      );
    }
    insertAgentRuns(db, {
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      runs: parsedState.data.runs.map((run) => ({
        ...run,
        checkpoints: Object.fromEntries(
          Object.entries(run.checkpoints).flatMap(([kind, checkpoint]) =>
            checkpoint ? [[kind, fromWire(checkpoint)]] : [],
          ),
        ),
      })),
    });
    const relay = (write: AgentWrite) => sender.send({ ...base, type: 'write', write });
    const progressOf = (progress: Progress, run: RunProgress | null) => {
      const shown = { ...progress, phase: `${progress.phase} on ${info.name}` };
      env.onProgress?.(shown);
      sender.send({ ...base, type: 'progress', agent: info.name, progress: shown, run });
    };
    switch (data.kind) {
      case 'train':
        await trainRun({
          runs: new RelayRunStore(db, relay),
          datasets,
          runId: data.runId,
          signal: controller.signal,
          onProgress: (progress) => progressOf(trainingProgress(progress), progress),
          log,
        });
        break;
      case 'evaluate':
        await evaluateRun({
          runs: new RunStore(db),
          datasets,
          evaluations: new RelayEvaluationStore(db, relay),
          runId: data.runId,
          ...(data.samples !== undefined ? { samples: data.samples } : {}),
          signal: controller.signal,
          onProgress: (progress) => progressOf(progress, null),
        });
        break;
      case 'explain':
        await explainRun({
          runs: new RunStore(db),
          datasets,
          evaluations: new RelayEvaluationStore(db, relay, parsedState.data.evaluation),
          explanations: new RelayExplanationStore(db, relay),
          request: data.request,
          signal: controller.signal,
          onProgress: (progress) => progressOf(progress, null),
        });
        break;
    }
    await sender.flush();
    sender.send({ ...base, type: 'done' });
    await sender.flush();
    log(`${info.name}: finished ${data.key}`);
  } catch (error) {
    await sender.flush().catch(() => undefined);
    const message = errorMessage(error);
    const cancelled = error instanceof Error && error.name === 'AbortError';
    const final = cancelled || error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const reasons = [...data.reasons, `${info.name}: ${message}`];
    if (final) {
      const said = cancelled ? 'cancelled' : `failed on the agents: ${reasons.join('; ')}`;
      sender.send({ ...base, type: 'failed', error: said, cancelled });
      await sender.flush().catch(() => undefined);
      throw error instanceof UnrecoverableError ? error : new UnrecoverableError(message);
    }
    await job.updateData({ ...data, reasons }).catch(() => undefined);
    throw error;
  } finally {
    env.onProgress?.(null);
    clearInterval(poll);
    db.close();
  }
}
