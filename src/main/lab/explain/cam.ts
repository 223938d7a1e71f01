/**
 * Class activation maps over a conv layer, after pytorch-grad-cam: a short base class that turns
 * a layer's activations A [N, h, w, C] and the gradients of a class score with respect to them
 * into maps ReLU(Σ_k w_k A_k), and one small subclass per method that says how the filter weights
 * w_k come from the gradients (gradcam.ts, gradcampp.ts).
 */
import { tf } from '../engine/backend';

export abstract class CamMethod {
  abstract readonly name: string;

  /** Weights per image and filter, [N, C]. */
  protected abstract filterWeights(activations: tf.Tensor4D, gradients: tf.Tensor4D): tf.Tensor2D;

  /** ReLU of the weighted sum of the filters' activations, [N, h, w], not yet scaled. */
  maps(activations: tf.Tensor4D, gradients: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const [n, , , c] = activations.shape;
      const weights = this.filterWeights(activations, gradients).reshape([n, 1, 1, c]);
      return tf.relu(tf.sum(tf.mul(activations, weights), 3)) as tf.Tensor3D;
    });
  }
}

/** Scales each map of [N, h, w] to [0, 1] by its own min and max, as the seed did; a flat map becomes 0. */
export function minMaxScale(maps: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, w] = maps.shape;
    const flat = maps.reshape([n, h * w]);
    const min = flat.min(1, true);
    const range = flat.max(1, true).sub(min);
    const scaled = flat.sub(min).div(tf.maximum(range, 1e-12));
    return tf.where(range.greater(0).tile([1, h * w]), scaled, tf.zerosLike(scaled)).reshape([n, h, w]) as tf.Tensor3D;
  });
}
