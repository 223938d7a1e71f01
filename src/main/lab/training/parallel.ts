// Synchronous data-parallel training on two cores (the wasm backend runs on one thread under
// Node). The main thread and one worker thread each hold a replica of the model on their own
// TensorFlow.js engine. Every step each computes the loss and its gradient on its shard of the
// batch (`lossAndGradients`), the main thread averages the two, weighted by shard size (which is
// exactly the full batch's gradient: the mean cross-entropy and the VNN's batch-mean KL average
// that way, and a data-independent regulariser counts once), and applies the optimizer to the
// main model, which stays the one model that checkpoints, evaluation and prediction use. Weights,
// the worker's shard and its gradients travel through SharedArrayBuffers; messages are small,
// and the worker's answer to a step is read without a turn of the main thread's event loop
// (`stepAnswer`). Randomness (dropout masks, the VNN's ε) is drawn per thread from unseeded
// generators, so the two shards' draws are independent.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { RunConfig } from '../../../shared/contract';
import { initEngine, tf, type BackendName } from '../engine/backend';
import {
  applyGradients,
  lossAndGradients,
  readWeights,
  trainableSize,
  valuesOf,
  writeWeights,
} from '../engine/gradients';
import { buildModel } from './models';

/** The loss every run is compiled with (the replica is compiled with it too). */
export const TRAINING_LOSS = 'categoricalCrossentropy';

/** What `buildModel` needs to build a replica of a run's model. */
export interface ModelRecipe {
  config: RunConfig;
  data: { inputShape: [number, number, number]; classes: number; trainingSize: number };
}

/** The file name of the thread's entry in the build (electron.vite.config.ts). */
export const THREAD_ENTRY_FILE = 'train-thread.js';

/** How long the main thread blocks at a time for the thread's half of a step (see stepAnswer). */
const WAIT_SLICE_MS = 20;

/**
 * The built thread entry next to the running bundle: `import.meta.dirname` is `out/main` for an
 * entry, or `out/main/chunks` when this module is bundled into a shared chunk. Undefined when
 * running from TypeScript sources (tests), where there is no built entry.
 */
export function defaultThreadEntry(here: string = import.meta.dirname): string | undefined {
  return [join(here, THREAD_ENTRY_FILE), join(here, '..', THREAD_ENTRY_FILE)].find((file) => existsSync(file));
}

/**
 * How many threads to train on: 2 on the wasm backend with at least two cores, else 1 (native
 * TensorFlow already uses every core; the cpu backend is too slow to matter); the environment
 * variable CASEBOOK_TRAIN_THREADS=1|2 overrides the choice. `trial` is true when the choice of two
 * threads is not forced: the loop then times a few steps in each mode and keeps the faster one
 * (`ThreadTrial`), since a half batch's fixed costs, the thread's overheads and the machine's
 * other work can make two threads slower than one.
 */
export function chooseTrainingThreads(
  backend: BackendName,
  env: NodeJS.ProcessEnv = process.env,
  cores: number = availableParallelism(),
): { threads: 1 | 2; reason: string; trial: boolean } {
  const wanted = env['CASEBOOK_TRAIN_THREADS']?.trim();
  if (wanted === '1' || wanted === '2') {
    return { threads: wanted === '1' ? 1 : 2, reason: `CASEBOOK_TRAIN_THREADS=${wanted}`, trial: false };
  }
  const ignored = wanted ? ` (ignoring CASEBOOK_TRAIN_THREADS=${wanted}: expected 1 or 2)` : '';
  if (backend !== 'wasm') return { threads: 1, reason: `the ${backend} backend${ignored}`, trial: false };
  if (cores < 2) return { threads: 1, reason: `${cores} core${ignored}`, trial: false };
  return { threads: 2, reason: `wasm backend, ${cores} cores${ignored}`, trial: true };
}

/**
 * Chooses between one and two training threads from the run's own first steps: after `warmup`
 * untimed steps in each mode (operator set-up, the optimizer's slots, the thread's first steps
 * while its code warms up), it takes `perMode` timed steps in each mode, alternately (so that a
 * change in the machine's other load falls on both), and compares the median times per image.
 * One thread is kept only when it is faster by more than `margin`: on an idle machine two
 * threads are about 1.5× as fast, so a near tie says the trial's few steps were noisy, while a
 * busy second core makes two threads much slower (2.85 against 1.21 ms per image, measured).
 * Keeping one thread on a tie cost a whole study's MC-dropout run half its speed once (1.20 vs
 * 1.15 ms per image in its trial; 800 images/s for the run instead of ≈ 1,500). Every step is a
 * real training step: both modes compute the same update.
 */
export class ThreadTrial {
  private readonly times: Record<1 | 2, number[]> = { 1: [], 2: [] };
  private steps = 0;
  /** The choice once made, with the medians (ms per image) it was made on. */
  decision: { threads: 1 | 2; msPerImage: Record<1 | 2, number> } | undefined;

  constructor(
    private readonly perMode = 4,
    private readonly warmup = 2,
    private readonly margin = 0.1,
  ) {}

  /** The mode of the next step. */
  next(): 1 | 2 {
    return this.decision?.threads ?? (this.steps % 2 === 0 ? 2 : 1);
  }

  /** Records the step just taken in mode `next()`: `ms` for `images` images. */
  record(threads: 1 | 2, ms: number, images: number): void {
    if (this.decision !== undefined) return;
    this.steps += 1;
    if (this.steps > 2 * this.warmup && images > 0) this.times[threads].push(ms / images);
    if (this.times[1].length >= this.perMode && this.times[2].length >= this.perMode) {
      const msPerImage = { 1: median(this.times[1]), 2: median(this.times[2]) };
      this.decision = { threads: msPerImage[1] < msPerImage[2] * (1 - this.margin) ? 1 : 2, msPerImage };
    }
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((p, q) => p - q);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * How a batch is split between this thread and the training thread so that both halves end
 * together: the thread's share follows the two sides' measured speeds (rows per ms of their last
 * steps, smoothed), within bounds. Equal halves at first. A core that is slower, or busier with
 * other work, gets fewer rows instead of making the other wait; the step's gradient stays the
 * full batch's (the halves are weighted by their sizes).
 */
export class ShardBalance {
  private theirShare = 0.5;

  constructor(
    private readonly smoothing = 0.3,
    private readonly bounds: readonly [number, number] = [0.2, 0.8],
  ) {}

  /** The thread's rows of a batch of `n` (at least one of each side's when n ≥ 2). */
  theirRows(n: number): number {
    if (n < 2) return 0;
    return Math.min(n - 1, Math.max(1, Math.round(n * this.theirShare)));
  }

  /** Records a step: each side's rows and the milliseconds it took for them. */
  record(ourRows: number, ourMs: number, theirRows: number, theirMs: number): void {
    if (!(ourRows > 0 && ourMs > 0 && theirRows > 0 && theirMs > 0)) return;
    const ours = ourRows / ourMs;
    const theirs = theirRows / theirMs;
    const target = theirs / (ours + theirs);
    const [low, high] = this.bounds;
    this.theirShare = Math.min(high, Math.max(low, this.theirShare + this.smoothing * (target - this.theirShare)));
  }

  get share(): number {
    return this.theirShare;
  }
}

interface Init {
  recipe: ModelRecipe;
  loss: string;
  /** Shapes of the trainable weights, to check that the replica is the same model. */
  shapes: number[][];
  weights: SharedArrayBuffer;
  gradients: SharedArrayBuffer;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  /**
   * Where the thread answers steps, and a counter (Int32, 4 bytes) it adds 1 to after each answer:
   * the main thread blocks on the counter and reads the answer at once, without a turn of its
   * event loop (which took 1–3 ms a step, the main thread's own tasks first).
   */
  steps: MessagePort;
  answered: SharedArrayBuffer;
}
type Request = { kind: 'init'; init: Init } | { kind: 'step'; rows: number } | { kind: 'stop' };
type StepReply =
  | { kind: 'done'; loss: number; accuracy: number; ms: { weights: number; compute: number } }
  | { kind: 'error'; message: string };
type Reply = { kind: 'ready' } | { kind: 'stopped' } | { kind: 'error'; message: string };

/** A failure of the training thread (as opposed to one of this thread's own work). */
export class TrainingThreadError extends Error {
  override name = 'TrainingThreadError';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The thread's side: answers init / step / stop on `port`; resolves once stopped. */
export async function replicaMain(port: MessagePort): Promise<void> {
  let replica:
    | {
        model: tf.LayersModel;
        init: Init;
        weights: Float32Array;
        gradients: Float32Array;
        x: Float32Array;
        y: Float32Array;
        steps: MessagePort;
        answered: Int32Array;
      }
    | undefined;
  const reply = (r: Reply) => port.postMessage(r);
  const answer = (steps: MessagePort, answered: Int32Array, r: StepReply) => {
    steps.postMessage(r);
    Atomics.add(answered, 0, 1);
    Atomics.notify(answered, 0);
  };
  const handle = async (request: Request): Promise<boolean> => {
    if (request.kind === 'init') {
      const engine = await initEngine({ prefer: 'wasm' });
      if (engine.backend !== 'wasm') throw new Error(`the thread got the ${engine.backend} backend, not wasm`);
      const { recipe } = request.init;
      const model = buildModel(recipe.config, recipe.data);
      model.compile({ optimizer: 'sgd', loss: request.init.loss });
      const shapes = model.trainableWeights.map((w) => w.shape.join('×')).join(', ');
      if (shapes !== request.init.shapes.map((s) => s.join('×')).join(', ')) {
        model.dispose();
        throw new Error(`the replica's weights (${shapes}) differ from the model's`);
      }
      replica = {
        model,
        init: request.init,
        weights: new Float32Array(request.init.weights),
        gradients: new Float32Array(request.init.gradients),
        x: new Float32Array(request.init.x),
        y: new Float32Array(request.init.y),
        steps: request.init.steps,
        answered: new Int32Array(request.init.answered),
      };
      reply({ kind: 'ready' });
    } else if (request.kind === 'step') {
      if (replica === undefined) throw new Error('step before init');
      const { model, init, steps, answered } = replica;
      const [h, w, c] = init.recipe.data.inputShape;
      const classes = init.recipe.data.classes;
      const n = request.rows;
      let x: tf.Tensor | undefined;
      let y: tf.Tensor | undefined;
      try {
        const t0 = performance.now();
        writeWeights(model, replica.weights);
        const t1 = performance.now();
        x = tf.tensor4d(replica.x.subarray(0, n * h * w * c), [n, h, w, c]);
        y = tf.tensor2d(replica.y.subarray(0, n * classes), [n, classes]);
        const { loss, accuracy } = lossAndGradients(model, x, y, replica.gradients);
        answer(steps, answered, {
          kind: 'done',
          loss,
          accuracy,
          ms: { weights: t1 - t0, compute: performance.now() - t1 },
        });
      } catch (error) {
        answer(steps, answered, { kind: 'error', message: errorText(error) });
      } finally {
        tf.dispose([x, y].filter((t) => t !== undefined));
      }
    } else {
      replica?.model.dispose();
      replica?.steps.close();
      replica = undefined;
      reply({ kind: 'stopped' });
      return true;
    }
    return false;
  };
  await new Promise<void>((resolve) => {
    // one request at a time, in order
    let queue = Promise.resolve();
    port.on('message', (request: Request) => {
      queue = queue.then(async () => {
        try {
          if (await handle(request)) {
            port.close();
            resolve();
          }
        } catch (error) {
          reply({ kind: 'error', message: errorText(error) });
        }
      });
    });
  });
}

export interface DataParallelOptions {
  /** The thread's script; default: the built `train-thread.js` next to the running bundle. */
  entry?: string | URL;
  /** The largest batch `step` will be given (sizes the shared input buffers). */
  maxBatch: number;
  /** Milliseconds to wait for the thread to start (default 60 s). */
  startTimeoutMs?: number;
  /** Split batches by the two sides' measured speeds (`ShardBalance`; default true), else in halves. */
  balance?: boolean;
}

/** Two-thread synchronous data-parallel training steps for one compiled model. */
export class DataParallel {
  /** Threads started and not yet ended, process-wide (for tests and diagnostics). */
  static live = 0;

  private readonly size: number;
  private readonly weightView: Float32Array;
  private readonly theirGradients: Float32Array;
  private readonly ours: Float32Array;
  private readonly xView: Float32Array;
  private readonly yView: Float32Array;
  private readonly ourX: Float32Array;
  private readonly ourY: Float32Array;
  /** How batches are split; undefined: in halves. */
  readonly balance: ShardBalance | undefined;
  private pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  /** The thread's answers to steps (see Init.steps), and how many it has given. */
  private readonly steps = new MessageChannel();
  private readonly answered = new Int32Array(new SharedArrayBuffer(4));
  /** Steps asked of the thread, and answers read, so far. */
  private asked = 0;
  private read = 0;
  /** Whether this thread may block (Atomics.wait); false once the host has refused it. */
  private blocking = true;
  private failure: TrainingThreadError | undefined;
  private ended = false;
  /** Loss of each shard in the last step (main thread's, worker's), for diagnostics and tests. */
  lastShardLosses: [number, number] = [Number.NaN, Number.NaN];
  /** Milliseconds spent per phase of `step`, summed over the steps so far (for the benchmark). */
  readonly phases: Record<string, number> = {};

  private phase(name: string, since: number): number {
    const now = performance.now();
    this.phases[name] = (this.phases[name] ?? 0) + (now - since);
    return now;
  }

  private constructor(
    private readonly model: tf.LayersModel,
    recipe: ModelRecipe,
    private readonly worker: Worker,
    private readonly maxBatch: number,
    balance: boolean,
  ) {
    DataParallel.live += 1;
    this.balance = balance ? new ShardBalance() : undefined;
    this.size = trainableSize(model);
    this.weightView = new Float32Array(new SharedArrayBuffer(this.size * 4));
    this.theirGradients = new Float32Array(new SharedArrayBuffer(this.size * 4));
    this.ours = new Float32Array(this.size);
    const [h, w, c] = recipe.data.inputShape;
    // either side may take most of a batch (ShardBalance)
    this.xView = new Float32Array(new SharedArrayBuffer(maxBatch * h * w * c * 4));
    this.yView = new Float32Array(new SharedArrayBuffer(maxBatch * recipe.data.classes * 4));
    this.ourX = new Float32Array(maxBatch * h * w * c);
    this.ourY = new Float32Array(maxBatch * recipe.data.classes);
    const fail = (error: TrainingThreadError) => {
      this.failure ??= error;
      const pending = this.pending;
      this.pending = undefined;
      pending?.reject(this.failure);
    };
    worker.on('message', (reply: Reply) => {
      const pending = this.pending;
      this.pending = undefined;
      const error = reply.kind === 'error' ? new TrainingThreadError(`training thread: ${reply.message}`) : undefined;
      if (error && !pending)
        fail(error); // outside a request (e.g. during a step): the thread is broken
      else if (error) pending?.reject(error);
      else pending?.resolve(reply);
    });
    worker.on('error', (error) => fail(new TrainingThreadError(`training thread failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!this.ended) {
        this.ended = true;
        DataParallel.live -= 1;
      }
      fail(new TrainingThreadError(`training thread exited (code ${code})`));
    });
  }

  /**
   * Starts the thread and builds its replica of `model` (compiled, built from `recipe`, possibly
   * since given other weights, e.g. from a checkpoint). Rejects (with the thread ended) if the
   * thread cannot start or has no built entry to start from.
   */
  static async start(model: tf.LayersModel, recipe: ModelRecipe, options: DataParallelOptions): Promise<DataParallel> {
    const entry = options.entry ?? defaultThreadEntry();
    if (entry === undefined) {
      throw new Error(`no built ${THREAD_ENTRY_FILE} next to ${import.meta.dirname} (running from sources?)`);
    }
    const worker = new Worker(entry);
    const parallel = new DataParallel(model, recipe, worker, options.maxBatch, options.balance ?? true);
    try {
      const timeout = options.startTimeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        parallel.ask(
          {
            kind: 'init',
            init: {
              recipe,
              loss: TRAINING_LOSS,
              shapes: model.trainableWeights.map((w) => [...w.shape] as number[]),
              weights: parallel.weightView.buffer as SharedArrayBuffer,
              gradients: parallel.theirGradients.buffer as SharedArrayBuffer,
              x: parallel.xView.buffer as SharedArrayBuffer,
              y: parallel.yView.buffer as SharedArrayBuffer,
              steps: parallel.steps.port2,
              answered: parallel.answered.buffer as SharedArrayBuffer,
            },
          },
          [parallel.steps.port2],
        ),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the training thread did not start within ${timeout} ms`)),
            timeout,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    } catch (error) {
      await parallel.dispose();
      throw error;
    }
    parallel.syncWeights();
    return parallel;
  }

  private ask(request: Request, transfer: MessagePort[] = []): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('DataParallel: one request at a time'));
    return new Promise<Reply>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(request, transfer);
    });
  }

  /**
   * The thread's answer to the step asked last: read as soon as it is given (this thread blocks
   * on the counter, in slices of WAIT_SLICE_MS between which its event loop runs, so that the
   * thread's failure is seen).
   */
  private async stepAnswer(): Promise<StepReply> {
    for (;;) {
      const received = receiveMessageOnPort(this.steps.port1) as { message: StepReply } | undefined;
      if (received !== undefined) {
        this.read += 1;
        return received.message;
      }
      if (this.failure) throw this.failure;
      if (!this.block(WAIT_SLICE_MS)) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Blocks until the thread's counter moves past the answers read, at most `ms`; true if it did.
   * Where the host forbids blocking its thread (Atomics.wait throws, as on a browser's main
   * thread), from then on never: the answer is then polled once per turn of the event loop.
   */
  private block(ms: number): boolean {
    if (!this.blocking) return false;
    try {
      return Atomics.wait(this.answered, 0, this.read, ms) !== 'timed-out';
    } catch {
      this.blocking = false;
      return false;
    }
  }

  /**
   * Copies the main model's weights for the thread. `step` does this before every step; call it
   * after changing the weights outside `step` to hand them over at once.
   */
  syncWeights(): void {
    readWeights(this.model, this.weightView);
  }

  /**
   * One training step on the batch (x, y): the thread takes the rows after this thread's (a half,
   * or the share `ShardBalance` sets); the size-weighted mean of their gradients updates the main model with its optimizer.
   * Returns the batch's loss and accuracy, as `trainOnBatch` would. Nothing is applied if either
   * half fails.
   */
  async step(x: tf.Tensor, y: tf.Tensor): Promise<{ loss: number; accuracy: number }> {
    const n = x.shape[0] ?? 0;
    if (n > this.maxBatch) throw new Error(`DataParallel: a batch of ${n} exceeds the maximum of ${this.maxBatch}`);
    const theirRows = this.balance ? this.balance.theirRows(n) : Math.floor(n / 2);
    const ourRows = n - theirRows;
    if (theirRows === 0) {
      const { loss, accuracy, gradients } = lossAndGradients(this.model, x, y, this.ours);
      applyGradients(this.model, gradients);
      this.lastShardLosses = [loss, Number.NaN];
      return { loss, accuracy };
    }
    let t = performance.now();
    this.syncWeights();
    t = this.phase('weights', t);
    const imageSize = x.size / n;
    const classes = y.size / n;
    // The thread's shard into the shared buffers, ours into this thread's own: read in place,
    // written into buffers made once (no temporary copies of the batch; see valuesOf).
    this.xView.set(valuesOf(x).subarray(ourRows * imageSize, n * imageSize));
    this.yView.set(valuesOf(y).subarray(ourRows * classes, n * classes));
    this.ourX.set(valuesOf(x).subarray(0, ourRows * imageSize));
    this.ourY.set(valuesOf(y).subarray(0, ourRows * classes));
    const xs = tf.tensor(this.ourX.subarray(0, ourRows * imageSize), [ourRows, ...x.shape.slice(1)]);
    const ys = tf.tensor(this.ourY.subarray(0, ourRows * classes), [ourRows, ...y.shape.slice(1)]);
    t = this.phase('shard', t);
    if (this.failure) throw this.failure;
    if (this.asked > this.read) throw new Error('DataParallel: one step at a time');
    this.worker.postMessage({ kind: 'step', rows: theirRows } satisfies Request);
    this.asked += 1;
    // Not in a tidy: tidy walks what its function returns for tensors to keep, and would walk
    // every element of the gradient array (≈ 100 ms a step for the CNN's 331k parameters).
    let our: ReturnType<typeof lossAndGradients>;
    try {
      our = lossAndGradients(this.model, xs, ys, this.ours);
    } catch (error) {
      await this.stepAnswer().catch(() => undefined); // the thread's half, read and dropped
      throw error;
    } finally {
      tf.dispose([xs, ys]);
    }
    const ourMs = performance.now() - t;
    t = this.phase('ours', t);
    const reply = await this.stepAnswer();
    t = this.phase('wait', t);
    if (reply.kind === 'error') throw new TrainingThreadError(`training thread: ${reply.message}`);
    this.phases['threadWeights'] = (this.phases['threadWeights'] ?? 0) + reply.ms.weights;
    this.phases['threadCompute'] = (this.phases['threadCompute'] ?? 0) + reply.ms.compute;
    this.balance?.record(ourRows, ourMs, theirRows, reply.ms.weights + reply.ms.compute);
    const a = ourRows / n;
    const b = theirRows / n;
    const mean = this.ours;
    const other = this.theirGradients;
    for (let i = 0; i < this.size; i++) mean[i] = a * (mean[i] ?? 0) + b * (other[i] ?? 0);
    t = this.phase('average', t);
    applyGradients(this.model, mean);
    this.phase('apply', t);
    this.phases['steps'] = (this.phases['steps'] ?? 0) + 1;
    this.lastShardLosses = [our.loss, reply.loss];
    return { loss: a * our.loss + b * reply.loss, accuracy: a * our.accuracy + b * reply.accuracy };
  }

  /** Stops the thread (asking it to free its replica first, briefly) and ends it. Idempotent. */
  async dispose(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    DataParallel.live -= 1;
    if (!this.failure && !this.pending) {
      const stopped = this.ask({ kind: 'stop' }).catch(() => undefined);
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    }
    this.failure ??= new TrainingThreadError('DataParallel: disposed');
    await this.worker.terminate();
    this.steps.port1.close();
  }
}
