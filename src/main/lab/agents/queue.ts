/**
 * The app's side of the agents' queue (BullMQ on Redis). Training jobs go to the `casebook-jobs`
 * queue that every agent serves; each job's results come back on the study's own results queue,
 * which this app alone consumes, in order, and records through its stores (recorder.ts): the app
 * stays the only writer of its study. Results wait in Redis while the app is closed; the claims
 * of the jobs still open are kept in Redis too, so that the app adopts them when it starts again.
 */
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { AgentJob, AgentResult, ResumeState } from '../../../shared/contract';
import { errorMessage } from '../jobs/errors';
import type { WorkerHandle, WorkerLauncher } from '../jobs/manager';
import type { FromWorker, JobSpec } from '../jobs/protocol';
import type { QueueState, RemoteJobs, RemoteTarget } from '../jobs/remote';
import { LeaseLostError, type Lease } from '../store/run-owners';
import { NotFoundError } from '../errors';
import { retryWhileBusy } from '../store/busy';
import { encodeDataset, toWire } from './wire';
import { publishDataset } from './datasets';
import { bullJobId, JOBS_QUEUE, KEEP_SECONDS, keys, resultsQueueName } from './keys';
import { checkResult, parseKey, recordWrite, RefusedResultError } from './recorder';
import type { QueueUrl } from './url';

export interface AgentQueueOptions {
  url: QueueUrl;
  databasePath: string;
  /** Where refused results and other notes go (default console.error). */
  log?: (message: string) => void;
  /** Tries of a job before it fails (default 2: a job that fails on two agents fails). */
  attempts?: number;
  /** The largest result recorded, in bytes of JSON (default MAX_AGENT_RESULT_BYTES). */
  maxResultBytes?: number;
}

const OpenJob = z.strictObject({ runId: z.number().int().positive(), lease: z.number().int().nonnegative() });

/**
 * A connection as BullMQ needs it: commands wait for a reconnect instead of failing. A lost
 * connection is said once (then again after it came back and was lost again); ioredis reconnects.
 */
export function connect(url: QueueUrl, log: (message: string) => void = (m) => console.error(`casebook: ${m}`)): Redis {
  const redis = new Redis(url.url, { maxRetriesPerRequest: null });
  let said = false;
  redis.on('error', (error: Error) => {
    if (said) return;
    said = true;
    log(`the queue at ${url.display} is unreachable (${error.message}); reconnecting`);
  });
  redis.on('ready', () => {
    if (said) log(`the queue at ${url.display} is back`);
    said = false;
  });
  return redis;
}

/** The jobs agents run. */
type AgentSpec = Extract<JobSpec, { kind: 'train' | 'evaluate' | 'explain' }>;

/**
 * Whether a job goes to the agents: imports, and features, maps and background tests (they read
 * the app's study: its checkpoints, features and evaluations) run on the local worker.
 */
function forAgents(spec: JobSpec): spec is AgentSpec {
  return spec.kind === 'train' || spec.kind === 'evaluate' || spec.kind === 'explain';
}

/** A message to a job's handle, before its JobManager id is put in. */
type Reply = FromWorker extends infer M ? (M extends FromWorker ? Omit<M, 'jobId'> : never) : never;

interface Attached {
  /** The JobManager's id of the job. */
  jobId: string;
  send: (message: FromWorker) => void;
}

export class AgentQueue implements RemoteJobs {
  readonly study: string;
  private readonly redis: Redis;
  private readonly jobs: Queue;
  private events: QueueEvents | null = null;
  private eventsConnection: Redis | null = null;
  private results: Worker | null = null;
  private target: RemoteTarget | null = null;
  private readonly handles = new Map<string, Attached>();
  private readonly log: (message: string) => void;
  private closing: Promise<void> | null = null;
  private detached = false;

  private constructor(
    private readonly options: AgentQueueOptions,
    redis: Redis,
    readonly adoptable: readonly Lease[],
  ) {
    this.redis = redis;
    this.study = resultsQueueName(options.databasePath);
    this.jobs = new Queue(JOBS_QUEUE, { connection: redis });
    this.log = options.log ?? ((message) => console.error(`casebook: ${message}`));
  }

  /** Connects and reads which of the study's jobs are still open (their runs are adopted by the Lab). */
  static async open(options: AgentQueueOptions): Promise<AgentQueue> {
    const redis = new Redis(options.url.url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => undefined); // said by the connect below
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new Error(`cannot reach the queue at ${options.url.display}: ${errorMessage(error)}`);
    }
    redis.disconnect();
    const connected = connect(options.url, options.log);
    const study = resultsQueueName(options.databasePath);
    const open = await connected.hgetall(keys.open(study));
    const adoptable: Lease[] = [];
    for (const value of Object.values(open)) {
      const parsed = OpenJob.safeParse(safeJson(value));
      if (parsed.success) adoptable.push({ runId: parsed.data.runId, generation: parsed.data.lease });
    }
    return new AgentQueue(options, connected, adoptable);
  }

  get display(): string {
    return this.options.url.display;
  }

  /**
   * The agents serving the jobs queue (by the names they gave BullMQ; null where Redis does not
   * list its clients) and its jobs of every study, waiting and running; throws past `timeoutMs`.
   */
  async state(timeoutMs = 3_000): Promise<QueueState> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the queue at ${this.display} did not answer within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    try {
      const [counts, workers] = await Promise.race([
        Promise.all([
          this.jobs.getJobCounts('waiting', 'prioritized', 'delayed', 'active'),
          this.jobs.getWorkers().catch(() => null),
        ]),
        late,
      ]);
      return {
        agents: workers === null ? null : agentNames(workers),
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
        active: counts.active ?? 0,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Training, evaluation and explanation go to the agents; the rest stays with the local worker. */
  remote(spec: JobSpec): boolean {
    return forAgents(spec);
  }

  attach(target: RemoteTarget): void {
    this.target = target;
    this.results = new Worker(this.study, (job) => this.receive(job), {
      connection: this.redis,
      concurrency: 1,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 1000 },
      // a result left unfinished by an app that closed goes back to the queue for the next one
      maxStalledCount: 1_000_000,
    });
    this.results.on('error', (error) => this.log(`results queue: ${error.message}`));
    this.eventsConnection = this.redis.duplicate();
    this.events = new QueueEvents(JOBS_QUEUE, { connection: this.eventsConnection });
    // an agent reports its own failures on the results queue, after its writes; a job that
    // stalled too often (its agents were killed) has no agent left to say so
    this.events.on('failed', ({ jobId, failedReason }) => {
      const key = this.keyOf(jobId);
      if (key && /stalled/i.test(failedReason)) void this.finalFailure(key, failedReason);
    });
    this.events.on('error', (error) => this.log(`jobs queue events: ${error.message}`));
  }

  readonly launch: WorkerLauncher = () => {
    let listener: (message: unknown) => void = () => undefined;
    let key: string | null = null;
    const handle: WorkerHandle = {
      post: (message) => {
        if (message.type === 'run') {
          const job = message.job;
          if (!forAgents(job)) {
            queueMicrotask(() =>
              listener({
                type: 'failed',
                jobId: message.jobId,
                error: `${job.kind} jobs do not go to agents`,
                cancelled: false,
              }),
            );
            return;
          }
          const runId = job.kind === 'explain' ? job.request.id : job.runId;
          // a training's key is its claim; an evaluation's or explanation's a number of its own
          const number = job.kind === 'train' ? job.lease : this.nextNumber();
          const jobKey = `${job.kind}-${runId}-${number}`;
          key = jobKey;
          const jobId = message.jobId;
          this.handles.set(jobKey, { jobId, send: (reply) => listener(reply) });
          if (job.kind === 'evaluate')
            this.evaluating.set(runId, new Promise<void>((resolve) => this.evaluated.set(jobKey, resolve)));
          const dispatched = this.dispatch(jobKey, runId, number, job).catch((error: unknown) =>
            listener({
              type: 'failed',
              jobId,
              error: `could not queue the job: ${errorMessage(error)}`,
              cancelled: false,
            }),
          );
          this.dispatching.set(jobKey, dispatched);
          void dispatched.finally(() => this.dispatching.delete(jobKey));
        } else if (key !== null) {
          const attached = this.handles.get(key);
          if (!attached) return;
          if (message.reason === 'shutdown') {
            // the app stops; the agents carry on, and the app adopts the job when it starts again
            this.handles.delete(key);
            queueMicrotask(() =>
              listener({
                type: 'failed',
                jobId: attached.jobId,
                error: 'Casebook stopped; an agent carries on with this job',
                cancelled: true,
              }),
            );
          } else void this.cancel(key);
        }
      },
      onMessage: (l) => {
        listener = l;
      },
      onExit: () => undefined,
      kill: () => {
        if (key !== null) this.handles.delete(key);
      },
    };
    return handle;
  };

  /** Jobs being put on the queue (their dataset, start state, then the job itself). */
  private readonly dispatching = new Map<string, Promise<void>>();
  private lastNumber = 0;
  /** The evaluation of a run on the queue, settled when it has ended: its explanation waits for it. */
  private readonly evaluating = new Map<number, Promise<void>>();
  private readonly evaluated = new Map<string, () => void>();

  /** A job number no earlier job of this study had (milliseconds since 1970, times 1000, and rising). */
  private nextNumber(): number {
    this.lastNumber = Math.max(this.lastNumber + 1, Date.now() * 1000);
    return this.lastNumber;
  }

  /** Puts the dataset and the starting state into Redis, then the job on the queue (once per key). */
  private async dispatch(key: string, runId: number, number: number, spec: AgentSpec): Promise<void> {
    const target = this.requireTarget();
    const run = target.runs.get(runId);
    await publishDataset(this.redis, run.datasetHash, () => {
      const dataset = target.datasets.get(run.datasetId);
      return encodeDataset({
        name: dataset.name,
        kind: dataset.kind,
        source: dataset.source,
        sourceSha256: dataset.sourceSha256,
        content: {
          classes: dataset.classes,
          shape: dataset.imageShape,
          train: target.datasets.loadSplit(dataset.id, 'train'),
          test: target.datasets.loadSplit(dataset.id, 'test'),
        },
      });
    });
    // an explanation follows the run's current evaluation: one queued before it is recorded first
    if (spec.kind === 'explain') await this.evaluating.get(runId);
    await this.writeResume(key, runId, spec.kind === 'explain');
    // a training's claim is adopted again when the app restarts
    if (spec.kind === 'train')
      await this.redis.hset(keys.open(this.study), key, JSON.stringify({ runId, lease: number }));
    const id = bullJobId(this.study, key);
    const existing = await this.jobs.getJob(id);
    if (existing) {
      // adopted after a restart: the job is on the queue already, or ended while the app was closed
      if ((await existing.getState()) === 'failed') await this.finalFailure(key, existing.failedReason);
      return;
    }
    const base = {
      v: 1 as const,
      key,
      runId,
      lease: number,
      datasetHash: run.datasetHash,
      replyTo: this.study,
      reasons: [],
    };
    const data: AgentJob =
      spec.kind === 'train'
        ? { ...base, kind: 'train' }
        : spec.kind === 'evaluate'
          ? { ...base, kind: 'evaluate', ...(spec.samples !== undefined ? { samples: spec.samples } : {}) }
          : { ...base, kind: 'explain', request: spec.request };
    await this.jobs.add(spec.kind, data, {
      jobId: id,
      attempts: this.options.attempts ?? 2,
      removeOnComplete: { age: KEEP_SECONDS },
      removeOnFail: { age: KEEP_SECONDS },
    });
  }

  /** What the job starts from: its runs as the app has recorded them, with their checkpoints (and the current evaluation). */
  private async writeResume(key: string, runId: number, withEvaluation = false): Promise<void> {
    const { runs, evaluations } = this.requireTarget();
    const all = [runs.get(runId), ...runs.members(runId)];
    const latest = withEvaluation ? evaluations.current(runId) : null;
    const state: ResumeState = {
      key,
      evaluation: latest
        ? {
            metrics: latest.metrics,
            predictions: evaluations.predictions(latest.id).map((p) => ({
              index: p.index,
              label: p.label,
              predicted: p.predicted,
              confidence: p.confidence,
              probabilities: p.probabilities,
            })),
          }
        : null,
      runs: all.map((run) => {
        const last = runs.checkpoint(run.id, 'last');
        const best = runs.checkpoint(run.id, 'best');
        return {
          id: run.id,
          parentId: run.parentId,
          config: run.config,
          status: run.status,
          epochsDone: run.epochsDone,
          bestEpoch: run.bestEpoch,
          bestValLoss: run.bestValLoss,
          checkpoints: { last: last ? toWire(last) : null, best: best ? toWire(best) : null },
        };
      }),
    };
    await this.redis.set(keys.resume(this.study, key), JSON.stringify(state), 'EX', KEEP_SECONDS);
  }

  /** Cancels a job: dropped from the queue while it waits, else its agent is told (it answers as cancelled). */
  private async cancel(key: string): Promise<void> {
    await this.redis.set(keys.cancel(this.study, key), '1', 'EX', KEEP_SECONDS);
    const job = await this.jobs.getJob(bullJobId(this.study, key));
    const state = job ? await job.getState() : 'unknown';
    if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
      await job.remove();
      this.settle(key, { type: 'failed', error: 'cancelled before an agent took it', cancelled: true });
    }
  }

  /**
   * Takes back the jobs no agent has taken yet: removed from the queue, their claims and start
   * states dropped. Returns the JobManager ids of those jobs (their handles hear nothing more), for
   * the local worker; a job an agent took meanwhile stays with it.
   */
  async recall(): Promise<string[]> {
    const recalled: string[] = [];
    for (const [key, attached] of [...this.handles]) {
      await this.dispatching.get(key);
      if (this.handles.get(key) !== attached) continue; // ended meanwhile
      const job = await this.jobs.getJob(bullJobId(this.study, key));
      const state = job ? await job.getState() : 'unknown';
      if (!job || (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed')) continue;
      try {
        await job.remove();
      } catch {
        continue; // an agent has just taken it (locked): it finishes there
      }
      this.handles.delete(key);
      this.evaluated.get(key)?.();
      this.evaluated.delete(key);
      await this.redis
        .multi()
        .hdel(keys.open(this.study), key)
        .del(keys.resume(this.study, key), keys.cancel(this.study, key))
        .exec();
      recalled.push(attached.jobId);
    }
    return recalled;
  }

  /** One result off the study's queue: checked, recorded, passed on to the job's handle. */
  private async receive(job: Job): Promise<void> {
    // detached (the study is closing): the result stays unfinished, for the app's next start
    if (this.detached) return new Promise<void>(() => undefined);
    let result: AgentResult;
    try {
      result = checkResult(job.data, job.id ?? '?', this.options.maxResultBytes);
    } catch (error) {
      this.log(errorMessage(error));
      throw error;
    }
    const { runId, lease } = parseKey(result.key);
    if (result.lease !== lease) {
      const error = new RefusedResultError(
        `result ${job.id} refused: its claim ${result.lease} is not its job's (${result.key})`,
      );
      this.log(error.message);
      throw error;
    }
    const target = this.requireTarget();
    const attached = this.handles.get(result.key);
    const forward = (message: Reply) => {
      if (attached) attached.send({ ...message, jobId: attached.jobId } as FromWorker);
    };
    try {
      switch (result.type) {
        case 'claimed':
          // the agent that trains a run names it; one that evaluates or explains it does not
          if (parseKey(result.key).kind !== 'train') break;
          await retryWhileBusy(() => target.runs.fenced(lease).setAgent(runId, result.agent.name), {
            deadlineMs: 60_000,
          });
          target.emit('runUpdated', { run: target.runs.get(runId), epoch: null });
          break;
        case 'progress':
          forward({ type: 'progress', progress: result.progress });
          if (result.run) forward({ type: 'event', name: 'runProgress', payload: result.run });
          break;
        case 'write': {
          const recorded = await retryWhileBusy(() => recordWrite(target, result.key, lease, result.write), {
            deadlineMs: 60_000,
          });
          if (recorded.kind === 'skipped') this.log(`agent result skipped: ${recorded.why}`);
          else if (result.write.op === 'epoch') await this.writeResume(result.key, runId);
          break;
        }
        case 'done':
          this.settle(result.key, { type: 'done', result: null });
          break;
        case 'failed':
          this.settle(result.key, { type: 'failed', error: result.error, cancelled: result.cancelled });
          break;
      }
    } catch (error) {
      // the study closed under it: left unfinished, for the app's next start
      if (this.detached) return new Promise<void>(() => undefined);
      if (error instanceof LeaseLostError || error instanceof NotFoundError) {
        this.log(`result of ${result.key} not recorded: ${error.message}`);
        return;
      }
      this.log(errorMessage(error));
      throw error;
    }
  }

  private async finalFailure(key: string, reason: string): Promise<void> {
    const job = await this.jobs.getJob(bullJobId(this.study, key));
    const reasons = (job?.data as Partial<AgentJob> | undefined)?.reasons ?? [];
    const all = reasons.length > 0 ? reasons.join('; ') : reason;
    this.settle(key, { type: 'failed', error: `failed on the agents: ${all}`, cancelled: false });
  }

  /** Ends a job: its handle hears the outcome, and the study forgets its claim and resume state. */
  private settle(key: string, message: Reply): void {
    const attached = this.handles.get(key);
    this.handles.delete(key);
    this.evaluated.get(key)?.();
    this.evaluated.delete(key);
    void this.redis
      .multi()
      .hdel(keys.open(this.study), key)
      .del(keys.resume(this.study, key), keys.cancel(this.study, key))
      .exec()
      .catch((error: unknown) => this.log(`could not clear job ${key} in Redis: ${errorMessage(error)}`));
    if (attached) attached.send({ ...message, jobId: attached.jobId } as FromWorker);
  }

  private keyOf(bullId: string): string | null {
    const prefix = bullJobId(this.study, '');
    return bullId.startsWith(prefix) ? bullId.slice(prefix.length) : null;
  }

  private requireTarget(): RemoteTarget {
    if (!this.target) throw new Error('the agent queue is not attached to a study');
    return this.target;
  }

  /** Stops recording at once (the Lab closes its database next); results wait for the next start. */
  detach(): void {
    this.detached = true;
  }

  async close(): Promise<void> {
    this.detach();
    this.closing ??= (async () => {
      await this.results?.close(true);
      await this.events?.close();
      await this.jobs.close();
      this.eventsConnection?.disconnect();
      this.redis.disconnect();
    })();
    return this.closing;
  }
}

/** The agents' names from BullMQ's worker list (`…:w:<name>`, URI-encoded by the agent); a list it could not read is null. */
export function agentNames(workers: readonly Record<string, string>[]): string[] | null {
  if (workers.some((worker) => worker.rawname === undefined)) return null;
  return workers
    .map((worker) => {
      const raw = worker.rawname ?? '';
      const at = raw.indexOf(':w:');
      if (at < 0) return 'an unnamed agent';
      try {
        return decodeURIComponent(raw.slice(at + 3));
      } catch {
        return raw.slice(at + 3);
      }
    })
    .sort((a, b) => a.localeCompare(b));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
