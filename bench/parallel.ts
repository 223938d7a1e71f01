// Synchronous data-parallel training on two cores, as a benchmark: the main thread and one
// worker thread each hold a replica of the model and its own wasm backend; every step each
// computes the loss gradient on half the batch, the main thread averages the two (the full
// batch's gradient, shards being equal), applies Adam and hands the new weights back. Weights
// and gradients travel through SharedArrayBuffers; only small messages are posted.
import type { MessagePort } from 'node:worker_threads';
import { Worker } from 'node:worker_threads';
import { initEngine, tf } from '../src/main/lab/engine/backend';
import {
  applyGradients,
  lossAndGradients,
  readWeights,
  trainableSize,
  writeWeights,
} from '../src/main/lab/engine/gradients';
import { MODELS, summarize, type BenchLine, type ModelName } from './engine';

interface Init {
  model: ModelName;
  shard: number;
  weights: SharedArrayBuffer;
  gradients: SharedArrayBuffer;
}
type Request = { kind: 'init'; init: Init } | { kind: 'step' } | { kind: 'stop' };
type Reply = { kind: 'ready' } | { kind: 'done'; loss: number } | { kind: 'error'; message: string };

function shardData(size: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomUniform([size, 32, 32, 3]),
    y: tf.oneHot(tf.randomUniform([size], 0, 3, 'int32') as tf.Tensor1D, 3).toFloat(),
  }));
}

function compiled(name: ModelName): tf.LayersModel {
  const model = MODELS[name].build();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

/** The worker side: answers init / step / stop requests on `port`. */
export async function replicaMain(port: MessagePort): Promise<void> {
  await initEngine({ prefer: 'wasm' });
  let state:
    { model: tf.LayersModel; x: tf.Tensor; y: tf.Tensor; weights: Float32Array; gradients: Float32Array } | undefined;
  await new Promise<void>((resolve) => {
    port.on('message', (request: Request) => {
      const reply = (r: Reply) => port.postMessage(r);
      try {
        if (request.kind === 'init') {
          const model = compiled(request.init.model);
          const { x, y } = shardData(request.init.shard);
          state = {
            model,
            x,
            y,
            weights: new Float32Array(request.init.weights),
            gradients: new Float32Array(request.init.gradients),
          };
          reply({ kind: 'ready' });
        } else if (request.kind === 'step') {
          if (state === undefined) throw new Error('step before init');
          writeWeights(state.model, state.weights);
          const { loss } = lossAndGradients(state.model, state.x, state.y, state.gradients);
          reply({ kind: 'done', loss });
        } else {
          if (state !== undefined) {
            tf.dispose([state.x, state.y]);
            state.model.dispose();
          }
          port.close();
          resolve();
        }
      } catch (error) {
        reply({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    });
  });
}

/**
 * Benchmarks data-parallel training of `name` with the main thread and one worker started from
 * `workerScript` (which must call `replicaMain` on its parent port).
 */
export async function benchDataParallel(
  name: ModelName,
  workerScript: URL,
  steps = 10,
  warmup = 3,
): Promise<BenchLine> {
  const { batch } = MODELS[name];
  const line: BenchLine = { model: name, backend: 'wasm', batch, steps, threads: 2 };
  await initEngine({ prefer: 'wasm' });
  const model = compiled(name);
  const size = trainableSize(model);
  const weights = new SharedArrayBuffer(size * 4);
  const theirs = new SharedArrayBuffer(size * 4);
  const weightView = new Float32Array(weights);
  const theirGradients = new Float32Array(theirs);
  const ours = new Float32Array(size);
  const shard = batch / 2;
  const { x, y } = shardData(shard);
  const worker = new Worker(workerScript, { workerData: { role: 'replica' } });
  const replies: ((reply: Reply) => void)[] = [];
  worker.on('message', (reply: Reply) => replies.shift()?.(reply));
  const ask = (request: Request) =>
    new Promise<Reply>((resolve, reject) => {
      replies.push((reply) =>
        reply.kind === 'error' ? reject(new Error(`replica: ${reply.message}`)) : resolve(reply),
      );
      worker.postMessage(request);
    });
  try {
    await ask({ kind: 'init', init: { model: name, shard, weights, gradients: theirs } });
    const phases = { read: 0, own: 0, wait: 0, apply: 0 };
    const step = async () => {
      let t = performance.now();
      const lap = (phase: keyof typeof phases) => {
        const now = performance.now();
        phases[phase] += now - t;
        t = now;
      };
      readWeights(model, weightView);
      lap('read');
      const theirStep = ask({ kind: 'step' });
      theirStep.catch(() => undefined); // awaited below; never left unhandled if ours throws first
      lossAndGradients(model, x, y, ours);
      lap('own');
      await theirStep;
      lap('wait');
      for (let i = 0; i < size; i++) ours[i] = 0.5 * ((ours[i] ?? 0) + (theirGradients[i] ?? 0));
      applyGradients(model, ours);
      lap('apply');
    };
    for (let i = 0; i < warmup; i++) await step();
    for (const k of Object.keys(phases) as (keyof typeof phases)[]) phases[k] = 0;
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await step();
      times.push(performance.now() - start);
    }
    Object.assign(line, summarize(batch, times));
    line.phases = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v / steps)]));
    worker.postMessage({ kind: 'stop' } satisfies Request);
  } catch (error) {
    line.error = error instanceof Error ? error.message : String(error);
    await worker.terminate();
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
  return line;
}
