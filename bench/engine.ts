// Training-throughput benchmark of the three seed models, per TensorFlow.js backend. Not a test:
// `node scripts/bench.mjs` runs it and prints one JSON line per (model, backend).
import { adamOptimizer } from '../src/main/lab/engine/adam';
import { BACKENDS, initEngine, tf, type BackendName } from '../src/main/lab/engine/backend';
import {
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
  type WasmTrainingKernel,
} from '../src/main/lab/engine/wasm/register';
import { asWasmBackend } from '../src/main/lab/engine/wasm/heap';
import { simdKernels } from '../src/main/lab/engine/wasm/simd';
import { buildCnn } from '../src/main/lab/models/cnn';
import { buildMcDropout } from '../src/main/lab/models/mcdropout';
import { buildVnn } from '../src/main/lab/models/vnn';
import { buildModel } from '../src/main/lab/training/models';
import { DataParallel, TRAINING_LOSS, type ModelRecipe } from '../src/main/lab/training/parallel';
import { defaultRunConfig } from '../src/shared/contract';

export type ModelName = 'cnn' | 'vnn' | 'mcdropout';

export const MODELS: Record<ModelName, { batch: number; build: () => tf.LayersModel }> = {
  cnn: { batch: 256, build: () => buildCnn() },
  vnn: { batch: 100, build: () => buildVnn() },
  mcdropout: { batch: 200, build: () => buildMcDropout({ trainingSize: 12_000 }) },
};

export interface BenchOptions {
  models?: ModelName[];
  /**
   * Default: tensorflow and wasm, where available. The cpu backend (~0.4 images/s for the CNN,
   * ten minutes a step) only when asked for.
   */
  backends?: BackendName[];
  /** Untimed steps first; default 3 (0 on the cpu backend). */
  warmup?: number;
  /** Timed steps; default 10 (1 on the cpu backend, which is two orders of magnitude slower). */
  steps?: number;
  /** Also profile one step and report the time per kernel. */
  profile?: boolean;
  /** On wasm, which of our training kernels to use (default: all); the rest are the stock ones. */
  wasmKernels?: readonly WasmTrainingKernel[];
  /** Called with each result line as soon as it is measured. */
  report?: (line: BenchLine) => void;
  /**
   * On wasm, also measure two-thread training (lab/training/parallel.ts, as the training loop
   * runs it) with the training thread started from this script; default: one thread only.
   */
  threadEntry?: string | URL;
}

export interface BenchLine {
  model: ModelName;
  backend: BackendName;
  batch: number;
  steps: number;
  /** From the median step time. */
  trainImagesPerSecond?: number;
  /** Median step time. */
  msPerStep?: number;
  /** From the mean step time (lower when other work shares the machine). */
  meanImagesPerSecond?: number;
  /** One profiled step on a new batch: per kernel its ms and calls, largest first; wall and kernel ms. */
  profile?: { wallMs: number; kernelMs: number; calls: number; kernels: Record<string, { ms: number; calls: number }> };
  wasmKernels?: string[];
  /** On wasm: whether the filter-gradient tiles multiply-add with relaxed SIMD (FMA). */
  relaxedSimd?: boolean;
  /** Threads training together (data-parallel); 1 when absent. */
  threads?: number;
  /**
   * One thread, `trainOnBatch` as the training loop calls it, a new batch every step (median);
   * `trainImagesPerSecond` reuses one batch, which is faster.
   */
  newBatchImagesPerSecond?: number;
  /**
   * Two threads through DataParallel as the training loop takes them, a new batch every step
   * (median step); compare with `newBatchImagesPerSecond`.
   */
  parallelImagesPerSecond?: number;
  /** Median step time on two threads. */
  parallelMsPerStep?: number;
  /** From the mean step time on two threads. */
  parallelMeanImagesPerSecond?: number;
  /**
   * Data-parallel only, mean ms per step: reading the weights for the worker, computing our
   * half's gradients, waiting for the worker's, averaging and applying them.
   */
  phases?: Record<string, number>;
  /** The training thread's share of a batch after the timed steps (ShardBalance). */
  threadShare?: number;
  error?: string;
}

/** Images per second, to three significant digits at most (the cpu backend's are below 1). */
function rate(imagesPerSecond: number): number {
  return imagesPerSecond >= 100 ? Math.round(imagesPerSecond) : Number(imagesPerSecond.toPrecision(3));
}

/** Throughput from step times (ms): from the median step (robust to other work on a shared machine) and the mean. */
export function summarize(
  batch: number,
  times: number[],
): Pick<BenchLine, 'trainImagesPerSecond' | 'msPerStep' | 'meanImagesPerSecond'> {
  const median = [...times].sort((p, q) => p - q)[Math.floor(times.length / 2)] ?? Number.NaN;
  const mean = times.reduce((p, q) => p + q, 0) / times.length;
  return {
    trainImagesPerSecond: rate((batch * 1000) / median),
    msPerStep: Math.round(median),
    meanImagesPerSecond: rate((batch * 1000) / mean),
  };
}

function randomBatch(batch: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([batch, 32, 32, 3]) as tf.Tensor4D,
    y: tf.oneHot(tf.randomUniform([batch], 0, 3, 'int32') as tf.Tensor1D, 3).toFloat() as tf.Tensor2D,
  }));
}

/**
 * Profiles one step on a new batch (as in training): per kernel its milliseconds and number of
 * calls, largest first, plus the step's wall time and the kernels' sum (the rest is JS overhead:
 * the tape, tensor bookkeeping, the optimizer's scheduling).
 */
async function profileStep(model: tf.LayersModel, batch: number): Promise<NonNullable<BenchLine['profile']>> {
  const { x, y } = randomBatch(batch);
  try {
    const start = performance.now();
    const info = await tf.profile(async () => {
      await model.trainOnBatch(x, y);
    });
    const wallMs = performance.now() - start;
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      byKernel.set(k.name, { ms: entry.ms + ms, calls: entry.calls + 1 });
    }
    const round = (ms: number): number => Math.round(ms * 10) / 10;
    const kernels = Object.fromEntries(
      [...byKernel].sort((a, b) => b[1].ms - a[1].ms).map(([name, e]) => [name, { ms: round(e.ms), calls: e.calls }]),
    );
    const kernelMs = [...byKernel.values()].reduce((sum, e) => sum + e.ms, 0);
    return { wallMs: round(wallMs), kernelMs: round(kernelMs), calls: info.kernels.length, kernels };
  } finally {
    tf.dispose([x, y]);
  }
}

async function benchOne(name: ModelName, backend: BackendName, options: BenchOptions): Promise<BenchLine> {
  const { batch, build } = MODELS[name];
  // the cpu backend takes about ten minutes per CNN step: one timed step, no warm-up, there
  const warmup = options.warmup ?? (backend === 'cpu' ? 0 : 3);
  const steps = options.steps ?? (backend === 'cpu' ? 1 : 10);
  const line: BenchLine = { model: name, backend, batch, steps };
  const model = build();
  // compiled as the training loop compiles a run's model
  model.compile({ optimizer: adamOptimizer(1e-3), loss: TRAINING_LOSS, metrics: ['accuracy'] });
  const { x, y } = randomBatch(batch);
  try {
    for (let i = 0; i < warmup; i++) await model.trainOnBatch(x, y);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await model.trainOnBatch(x, y);
      times.push(performance.now() - start);
    }
    Object.assign(line, summarize(batch, times));
    if (options.profile) line.profile = await profileStep(model, batch);
  } catch (error) {
    line.error = error instanceof Error ? error.message : String(error);
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
  return line;
}

/**
 * The training loop's two paths for a run's model (the seed's settings), each step on a new
 * batch as in training (a batch used again is faster: kernels keep work derived from their input
 * tensor): `trainOnBatch` on this thread, then DataParallel steps on two threads as train.ts
 * takes them.
 */
async function benchParallel(line: BenchLine, entry: string | URL, options: BenchOptions): Promise<void> {
  const { batch } = MODELS[line.model];
  const warmup = options.warmup ?? 3;
  const steps = options.steps ?? 10;
  const recipe: ModelRecipe = {
    config: { ...defaultRunConfig(line.model), batchSize: batch },
    data: { inputShape: [32, 32, 3], classes: 3, trainingSize: 12_000 },
  };
  const model = buildModel(recipe.config, recipe.data);
  model.compile({ optimizer: adamOptimizer(1e-3), loss: TRAINING_LOSS, metrics: ['accuracy'] });
  const batches = Array.from({ length: warmup + steps }, () => randomBatch(batch));
  let parallel: DataParallel | undefined;
  const timed = async (step: (x: tf.Tensor, y: tf.Tensor) => Promise<unknown>) => {
    const times: number[] = [];
    for (const [i, { x, y }] of batches.entries()) {
      const start = performance.now();
      await step(x, y);
      if (i >= warmup) times.push(performance.now() - start);
    }
    return summarize(batch, times);
  };
  try {
    const one = await timed((x, y) => model.trainOnBatch(x, y));
    line.newBatchImagesPerSecond = one.trainImagesPerSecond;
    parallel = await DataParallel.start(model, recipe, { entry, maxBatch: batch });
    const started = parallel;
    let before: Record<string, number> = {};
    const two = await timed(async (x, y) => {
      if (started.phases['steps'] === warmup) before = { ...started.phases };
      return started.step(x, y);
    });
    const timedSteps = (started.phases['steps'] ?? 0) - (before['steps'] ?? 0);
    Object.assign(line, {
      parallelImagesPerSecond: two.trainImagesPerSecond,
      parallelMsPerStep: two.msPerStep,
      parallelMeanImagesPerSecond: two.meanImagesPerSecond,
      phases: Object.fromEntries(
        Object.entries(started.phases)
          .filter(([name]) => name !== 'steps')
          .map(([name, ms]) => [name, Math.round((10 * (ms - (before[name] ?? 0))) / Math.max(1, timedSteps)) / 10]),
      ),
      threadShare: Math.round((started.balance?.share ?? 0.5) * 100) / 100,
    });
  } catch (error) {
    line.error = `two threads: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await parallel?.dispose();
    tf.dispose(batches.flatMap(({ x, y }) => [x, y]));
    model.optimizer?.dispose();
    model.dispose();
  }
}

export async function benchEngine(options: BenchOptions = {}): Promise<BenchLine[]> {
  const models = options.models ?? (Object.keys(MODELS) as ModelName[]);
  const lines: BenchLine[] = [];
  for (const wanted of options.backends ?? BACKENDS.filter((b) => b !== 'cpu')) {
    const engine = await initEngine({ prefer: wanted });
    if (engine.backend !== wanted) continue; // not available here
    if (wanted === 'wasm') registerWasmTrainingKernels(options.wasmKernels ?? WASM_TRAINING_KERNELS);
    for (const name of models) {
      const line = await benchOne(name, wanted, options);
      if (wanted === 'wasm') {
        line.wasmKernels = [...(options.wasmKernels ?? WASM_TRAINING_KERNELS)];
        line.relaxedSimd = simdKernels(asWasmBackend(tf.backend(), 'bench'))?.relaxed ?? false;
        // the thread registers all our kernels: compare like with like
        if (options.threadEntry !== undefined && options.wasmKernels === undefined)
          await benchParallel(line, options.threadEntry, options);
      }
      options.report?.(line);
      lines.push(line);
    }
    if (wanted === 'wasm') registerWasmTrainingKernels();
  }
  return lines;
}
