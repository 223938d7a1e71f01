import { tf } from '../engine/backend';
import { klDivergence, Sampling } from '../models/vnn';

/**
 * The layer losses a model adds in training, computed in inference mode over `x`: for the VNN,
 * the KL term of its Sampling layer, averaged over all images. 0 for models without one.
 */
export function layerLosses(model: tf.LayersModel, x: tf.Tensor4D, batchSize: number): number {
  const sampling = model.layers.find((layer): layer is Sampling => layer instanceof Sampling);
  if (!sampling) return 0;
  const [zMean, zLogVar] = sampling.input as tf.SymbolicTensor[];
  if (!zMean || !zLogVar) throw new Error('the Sampling layer is not connected to z_mean and z_log_var');
  const encoder = tf.model({ inputs: model.inputs, outputs: [zMean, zLogVar] });
  return tf.tidy(() => {
    const [mean, logVar] = encoder.predict(x, { batchSize }) as [tf.Tensor2D, tf.Tensor2D];
    return klDivergence(mean, logVar).dataSync()[0] ?? NaN;
  });
}
