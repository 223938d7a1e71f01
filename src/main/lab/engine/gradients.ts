// One training step split in two halves: the loss and gradients of a compiled layers model on a
// batch (what `fit` computes before its optimizer update), and the update from given gradients.
// With these, replicas of a model on several threads can each take a shard of a batch, and one
// of them average the shards' gradients and update (synchronous data-parallel training); with
// equal shards the average is the full batch's gradient.
import { tf } from './backend';
import { asWasmBackend, f32 } from './wasm/heap';

/**
 * A float32 tensor's values: on the wasm backend a view of its bytes in the wasm heap (no copy;
 * read it at once, before anything else allocates, since a growing heap detaches the view), on
 * other backends `dataSync()`. A training step reads about a megabyte of gradients, weights and
 * batch this way; as fresh arrays, the memory the system maps and unmaps for them every step
 * costs page faults and slows the other training thread of the process.
 */
export function valuesOf(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`valuesOf: a ${t.dtype} tensor, expected float32`);
  if (tf.getBackend() === 'wasm') return f32(asWasmBackend(tf.backend(), 'valuesOf'), t);
  return t.dataSync() as Float32Array;
}

/** Number of trainable parameters. */
export function trainableSize(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.read().size, 0);
}

/** The trainable weights, concatenated in `model.trainableWeights` order. */
export function readWeights(
  model: tf.LayersModel,
  into: Float32Array = new Float32Array(trainableSize(model)),
): Float32Array {
  let at = 0;
  for (const w of model.trainableWeights) {
    const values = valuesOf(w.read());
    into.set(values, at);
    at += values.length;
  }
  return into;
}

/** Sets the trainable weights from a concatenation made by `readWeights`. */
export function writeWeights(model: tf.LayersModel, flat: Float32Array): void {
  if (flat.length !== trainableSize(model)) {
    throw new Error(`writeWeights: got ${flat.length} values for ${trainableSize(model)} parameters`);
  }
  let at = 0;
  tf.tidy(() => {
    for (const w of model.trainableWeights) {
      const size = w.read().size;
      w.write(tf.tensor(flat.subarray(at, at + size), w.shape as number[]));
      at += size;
    }
  });
}

/** The loss function a model was compiled with (exactly one). */
export function compiledLoss(model: tf.LayersModel, caller: string): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  // A Sequential keeps its compiled losses on the functional model it wraps.
  const losses = model.lossFunctions ?? (model as unknown as { model?: tf.LayersModel }).model?.lossFunctions ?? [];
  const lossFunction = losses[0];
  if (lossFunction === undefined || losses.length !== 1) {
    throw new Error(`${caller}: model '${model.name}' must be compiled with one loss`);
  }
  return lossFunction;
}

/**
 * The training loss (the compiled loss, averaged over the batch, plus the layer losses:
 * regularisers, the VNN's KL term, exactly as `trainOnBatch` adds them) and its gradient with
 * respect to every trainable weight, concatenated in `model.trainableWeights` order into `into`;
 * also the batch's categorical accuracy from the same forward pass (the `accuracy` metric of a
 * model compiled with categorical cross-entropy).
 */
export function lossAndGradients(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  into: Float32Array = new Float32Array(trainableSize(model)),
): { loss: number; accuracy: number; gradients: Float32Array } {
  const lossFunction = compiledLoss(model, 'lossAndGradients');
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let accuracy: tf.Scalar | undefined;
  try {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const applied = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
        const output = Array.isArray(applied) ? applied[0] : applied;
        if (output === undefined) throw new Error(`lossAndGradients: model '${model.name}' gave no output`);
        // kept past the gradient's scope; off the path to the loss, so it adds nothing to backprop
        accuracy = tf.keep(tf.mean(tf.metrics.categoricalAccuracy(y, output)) as tf.Scalar);
        let total = tf.mean(lossFunction(y, output));
        for (const extra of model.calculateLosses()) total = tf.add(total, extra);
        return total as tf.Scalar;
      }, variables);
      let at = 0;
      for (const v of variables) {
        const g = grads[v.name];
        if (g === undefined) throw new Error(`lossAndGradients: no gradient for ${v.name}`);
        into.set(valuesOf(g), at);
        at += v.size;
      }
      return value.dataSync()[0] ?? Number.NaN;
    });
    const kept = accuracy as tf.Scalar | undefined;
    return { loss, accuracy: kept?.dataSync()[0] ?? Number.NaN, gradients: into };
  } finally {
    (accuracy as tf.Scalar | undefined)?.dispose();
  }
}

/** One optimizer update of the trainable weights from concatenated gradients. */
export function applyGradients(model: tf.LayersModel, gradients: Float32Array): void {
  if (gradients.length !== trainableSize(model)) {
    throw new Error(`applyGradients: got ${gradients.length} values for ${trainableSize(model)} parameters`);
  }
  tf.tidy(() => {
    const named: tf.NamedTensorMap = {};
    let at = 0;
    for (const w of model.trainableWeights) {
      const v = w.read() as tf.Variable;
      named[v.name] = tf.tensor(gradients.subarray(at, at + v.size), v.shape);
      at += v.size;
    }
    model.optimizer.applyGradients(named);
  });
}
