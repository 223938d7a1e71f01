/**
 * The training loop of one run: the seed's settings (Adam, categorical cross-entropy, early
 * stopping on val_loss keeping the best weights), batch-level progress, cancellation, and a
 * checkpoint after every epoch so that an interrupted run resumes where it stopped.
 */
import {
  QUEUED_AT_SHUTDOWN,
  TRAINING_AT_SHUTDOWN,
  type EpochMetrics,
  type RunProgress,
  type RunSummary,
} from '../../../shared/contract';
import { initEngine, tf, type BackendName } from '../engine/backend';
import type { DatasetStore } from '../store/datasets';
import type { RunStore } from '../store/runs';
import { LeaseLostError } from '../store/run-owners';
import { loadCheckpointModel, restoreOptimizer, saveCheckpoint } from './checkpoint';
import { ImageSet, splitValidation } from './data';
import { buildModel } from './models';
import {
  chooseTrainingThreads,
  DataParallel,
  ThreadTrial,
  TRAINING_LOSS,
  TrainingThreadError,
  type ModelRecipe,
} from './parallel';
import { permutation, seededRandom } from './random';
import { validationScores } from './validation';
import { adamOptimizer } from '../engine/adam';
import { testScores } from './scores';
import { trainEnsemble } from './ensemble';
import { stoppedForShutdown } from '../jobs/protocol';
import { yieldToEventLoop } from '../jobs/yield';

export interface TrainOptions {
  /** A trainer's store is fenced by its run's lease (`RunStore.fenced`): it writes nothing once the run is taken over. */
  runs: RunStore;
  datasets: DatasetStore;
  runId: number;
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  onUpdate?: (run: RunSummary, epoch: EpochMetrics | null) => void;
  /** The fastest backend to try (default: the fastest available). */
  backend?: BackendName;
  /** Minimum milliseconds between two progress events. */
  progressIntervalMs?: number;
  /**
   * The training thread's script for two-thread training (default: the built train-thread.js
   * next to the running bundle; from TypeScript sources there is none, and training uses one
   * thread unless this is given).
   */
  threadEntry?: string | URL;
  /** Environment consulted for CASEBOOK_TRAIN_THREADS (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where notes such as a fall-back to one training thread go (default: console.warn). */
  log?: (message: string) => void;
}

interface LoopState {
  epoch: number;
  bestValLoss: number | null;
  bestEpoch: number | null;
  wait: number;
}

export class CancelledError extends Error {
  override name = 'AbortError';
  constructor() {
    super('cancelled');
  }
}

/** Trains (or resumes) a run to the end; returns the finished run. Failures mark the run failed. */
export async function trainRun(options: TrainOptions): Promise<RunSummary> {
  const { runs, runId } = options;
  try {
    return runs.get(runId).config.model === 'ensemble' ? await trainEnsemble(options, trainRun) : await train(options);
  } catch (error) {
    // the run was taken over by another process: it is no longer this trainer's to write
    if (error instanceof LeaseLostError) throw error;
    const cancelled = error instanceof Error && error.name === 'AbortError';
    // Stopped because Casebook is shutting down: resumable, keeping its finished epochs.
    const run = stoppedForShutdown(options.signal)
      ? runs.setStatus(
          runId,
          'interrupted',
          runs.get(runId).status === 'queued' ? QUEUED_AT_SHUTDOWN : TRAINING_AT_SHUTDOWN,
        )
      : runs.setStatus(runId, cancelled ? 'cancelled' : 'failed', cancelled ? null : (error as Error).message);
    options.onUpdate?.(run, null);
    throw error;
  }
}

async function train(options: TrainOptions): Promise<RunSummary> {
  const { runs, datasets, runId } = options;
  let run = runs.get(runId);
  const { config } = run;
  const dataset = datasets.get(run.datasetId);
  if (dataset.contentHash !== run.datasetHash) {
    throw new Error(`dataset ${dataset.id} no longer has the content run ${runId} was started on`);
  }
  const engine = await initEngine(options.backend ? { prefer: options.backend } : {});
  const classes = dataset.classes.length;
  const shape = dataset.imageShape;
  const all = ImageSet.fromSplit(datasets.loadSplit(dataset.id, 'train'), shape, classes, config.trainLimit);
  const { fit, validation } = splitValidation(all, config);
  const test = ImageSet.fromSplit(datasets.loadSplit(dataset.id, 'test'), shape, classes, config.testLimit);

  const last = runs.checkpoint(runId, 'last');
  const recipe: ModelRecipe = { config, data: { inputShape: shape, classes, trainingSize: fit.size } };
  const model = last ? await loadCheckpointModel(last) : buildModel(recipe.config, recipe.data);
  model.compile({
    optimizer: adamOptimizer(config.learningRate),
    loss: TRAINING_LOSS,
    metrics: ['accuracy'],
  });
  if (last) await restoreOptimizer(model, last);
  const state: LoopState = (last?.state as LoopState | null) ?? {
    epoch: 0,
    bestValLoss: null,
    bestEpoch: null,
    wait: 0,
  };
  const log = options.log ?? ((message: string) => console.warn(message));
  let parallel: DataParallel | null = null;
  const choice = chooseTrainingThreads(engine.backend, options.env);
  if (choice.threads === 2) {
    try {
      parallel = await DataParallel.start(model, recipe, {
        maxBatch: config.batchSize,
        ...(options.threadEntry === undefined ? {} : { entry: options.threadEntry }),
      });
    } catch (error) {
      log(`run ${runId}: training on one thread: the training thread did not start (${(error as Error).message})`);
    }
  }
  const threads = parallel ? 2 : 1;
  const describe = (n: 1 | 2) => `${engine.backend} (${engine.how}), ${n} training thread${n === 1 ? '' : 's'}`;
  run = runs.markStarted(runId, { backend: describe(threads), params: model.countParams() });
  options.onUpdate?.(run, null);
  const trial = parallel && choice.trial ? new ThreadTrial() : undefined;
  const onThreads = (n: 1 | 2) => {
    const updated = runs.markStarted(runId, { backend: describe(n), params: model.countParams() });
    options.onUpdate?.(updated, null);
  };

  try {
    await fitEpochs({ ...options, model, fit, validation, state, parallel, trial, onThreads, log });
    // Test with the best-val_loss weights, as the seed's checkpoint callback kept them.
    const best = runs.checkpoint(runId, 'best');
    const bestModel = best ? await loadCheckpointModel(best) : model;
    const testBatch = test.batch(test.range(0, test.size));
    try {
      runs.recordTest(
        runId,
        testScores((x) => bestModel.predict(x, { batchSize: config.batchSize }) as tf.Tensor2D, testBatch),
      );
    } finally {
      tf.dispose([testBatch.x, testBatch.y]);
      if (bestModel !== model) bestModel.dispose();
    }
  } finally {
    await parallel?.dispose();
    model.optimizer?.dispose();
    model.dispose();
  }
  run = runs.setStatus(runId, 'done');
  options.onUpdate?.(run, null);
  return run;
}

/** The epochs still to do, each ending with its metrics and checkpoints recorded. */
async function fitEpochs(
  options: TrainOptions & {
    model: tf.LayersModel;
    fit: ImageSet;
    validation: ImageSet;
    state: LoopState;
    /** Two-thread steps, or null for `trainOnBatch` on this thread. */
    parallel: DataParallel | null;
    /** With `parallel`: times steps in both modes and keeps the faster one. */
    trial?: ThreadTrial | undefined;
    /** Called when the trial settles on one thread. */
    onThreads?: (threads: 1 | 2) => void;
    log: (message: string) => void;
  },
): Promise<void> {
  const { runs, runId, signal, model, fit, validation, state, log } = options;
  let parallel = options.parallel;
  let trial = options.trial;
  const { config } = runs.get(runId);
  const interval = options.progressIntervalMs ?? 250;
  const validationBatch = validation.batch(validation.range(0, validation.size));
  const batches = Math.ceil(fit.size / config.batchSize);
  try {
    while (state.epoch < config.epochs && !stopEarly(state, config.patience)) {
      const epoch = state.epoch + 1;
      const order = permutation(fit.size, seededRandom(config.seed * 1000 + epoch));
      const started = performance.now();
      let lossSum = 0;
      let accSum = 0;
      let lastReport = 0;
      for (let b = 0; b < batches; b++) {
        await yieldToEventLoop(); // so that a cancel or the parent's death can be heard
        runs.assertLease(runId); // stops at once when another process took the run over
        // a cancel from this process (the signal) or from another one (the run's flag)
        if (signal?.aborted || runs.cancelRequested(runId)) throw new CancelledError();
        const indices = order.subarray(b * config.batchSize, Math.min(fit.size, (b + 1) * config.batchSize));
        const { x, y } = fit.batch(indices);
        let result: number | number[];
        try {
          const mode = parallel === null ? 1 : (trial?.next() ?? 2);
          const stepStart = performance.now();
          result = parallel && mode === 2 ? await parallelStep(parallel, x, y) : await model.trainOnBatch(x, y);
          trial?.record(mode, performance.now() - stepStart, indices.length);
          const decided = trial?.decision;
          if (parallel && decided) {
            trial = undefined;
            const ms = (t: 1 | 2) => decided.msPerImage[t].toFixed(2);
            log(
              `run ${runId}: ${decided.threads === 2 ? 'two threads' : 'one thread'} from epoch ${epoch}, batch ${b + 2}` +
                ` (measured ${ms(1)} ms per image on one thread, ${ms(2)} on two)`,
            );
            if (decided.threads === 1) {
              await parallel.dispose();
              parallel = null;
              options.onThreads?.(1);
            }
          }
        } catch (error) {
          // The thread failed (nothing of this step was applied): go on with one thread.
          if (parallel === null || !(error instanceof TrainingThreadError)) throw error;
          log(`run ${runId}: training on one thread from epoch ${epoch}, batch ${b + 1}: ${error.message}`);
          await parallel.dispose();
          parallel = null;
          trial = undefined;
          result = await model.trainOnBatch(x, y);
        } finally {
          x.dispose();
          y.dispose();
        }
        const [loss = NaN, accuracy = NaN] = Array.isArray(result) ? result : [result];
        if (!Number.isFinite(loss))
          throw new Error(`the loss became ${loss} in epoch ${epoch}, batch ${b + 1}; try a lower learning rate`);
        lossSum += loss * indices.length;
        accSum += accuracy * indices.length;
        const now = performance.now();
        if (options.onProgress && (now - lastReport >= interval || b === batches - 1)) {
          lastReport = now;
          const seen = Math.min(fit.size, (b + 1) * config.batchSize);
          const rate = seen / ((now - started) / 1000);
          const remaining = (config.epochs - epoch) * fit.size + (fit.size - seen);
          options.onProgress({
            runId,
            epoch,
            epochs: config.epochs,
            batch: b + 1,
            batches,
            loss: lossSum / seen,
            accuracy: accSum / seen,
            imagesPerSecond: rate,
            etaSeconds: rate > 0 ? remaining / rate : null,
          });
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const [valLoss, valAccuracy] = validationScores(model, validationBatch, config.batchSize);
      const metrics: EpochMetrics = {
        epoch,
        loss: lossSum / fit.size,
        accuracy: accSum / fit.size,
        valLoss,
        valAccuracy,
        seconds,
        imagesPerSecond: fit.size / seconds,
      };
      const improved = state.bestValLoss === null || valLoss < state.bestValLoss - config.minDelta;
      state.epoch = epoch;
      if (improved) {
        state.bestValLoss = valLoss;
        state.bestEpoch = epoch;
        state.wait = 0;
      } else {
        state.wait += 1;
      }
      const checkpoints = {
        last: await saveCheckpoint(model, { epoch, state: { ...state }, includeOptimizer: true }),
        ...(improved ? { best: await saveCheckpoint(model, { epoch, state: null, includeOptimizer: false }) } : {}),
      };
      const run = runs.recordEpoch(runId, metrics, { best: improved ? { epoch, valLoss } : null, checkpoints });
      options.onUpdate?.(run, metrics);
    }
  } finally {
    tf.dispose([validationBatch.x, validationBatch.y]);
  }
}

/** One two-thread step, its result shaped as `trainOnBatch`'s: [loss, accuracy]. */
async function parallelStep(parallel: DataParallel, x: tf.Tensor, y: tf.Tensor): Promise<number[]> {
  const { loss, accuracy } = await parallel.step(x, y);
  return [loss, accuracy];
}

function stopEarly(state: LoopState, patience: number): boolean {
  return patience > 0 && state.wait >= patience;
}
