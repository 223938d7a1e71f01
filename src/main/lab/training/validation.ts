// An epoch's validation scores, val_loss and val_accuracy, from one inference pass over the set.
// val_loss is the compiled loss plus, for the VNN, the KL term of its Sampling layer over the
// same images (Keras, the seed, counts layer losses in val_loss; tfjs's `evaluate` leaves them
// out). Before, `evaluate` and a second pass for the KL term took 3.3 s per VNN epoch, a third
// of the epoch's training time; one `predict` of the output with z_mean and z_log_var does both.
import { compiledLoss } from '../engine/gradients';
import { tf } from '../engine/backend';
import { klDivergence, Sampling } from '../models/vnn';

/** Per model: what one pass predicts (the output, and z_mean and z_log_var where there is a KL term). */
const passes = new WeakMap<tf.LayersModel, tf.LayersModel>();

function validationPass(model: tf.LayersModel): tf.LayersModel {
  const known = passes.get(model);
  if (known) return known;
  const sampling = model.layers.find((layer): layer is Sampling => layer instanceof Sampling);
  let pass = model;
  if (sampling) {
    const [zMean, zLogVar] = sampling.input as tf.SymbolicTensor[];
    const [output] = model.outputs;
    if (!zMean || !zLogVar || !output) throw new Error('the Sampling layer is not connected to z_mean and z_log_var');
    // shares the model's layers and weights (never dispose it: that would dispose them)
    pass = tf.model({ inputs: model.inputs, outputs: [output, zMean, zLogVar] });
  }
  passes.set(model, pass);
  return pass;
}

/** [val_loss, val_accuracy] of `model` (compiled) on a labelled set, in inference mode. */
export function validationScores(
  model: tf.LayersModel,
  data: { x: tf.Tensor4D; y: tf.Tensor2D },
  batchSize: number,
): [number, number] {
  const lossFunction = compiledLoss(model, 'validationScores');
  return tf.tidy(() => {
    const out = validationPass(model).predict(data.x, { batchSize });
    const [probabilities, zMean, zLogVar] = Array.isArray(out) ? out : [out];
    if (!probabilities) throw new Error(`validationScores: model '${model.name}' gave no output`);
    let loss = tf.mean(lossFunction(data.y, probabilities));
    if (zMean && zLogVar) loss = tf.add(loss, klDivergence(zMean, zLogVar));
    const accuracy = tf.mean(tf.metrics.categoricalAccuracy(data.y, probabilities));
    return [loss.dataSync()[0] ?? Number.NaN, accuracy.dataSync()[0] ?? Number.NaN];
  });
}
