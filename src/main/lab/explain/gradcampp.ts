import { tf } from '../engine/backend';
import { CamMethod } from './cam';

/**
 * Grad-CAM++ (Chattopadhay et al., 2018), in its usual closed form for an exponential score:
 * α = g² / (2g² + Σ_ab A_ab · g³) per position (0 where g = 0), and a filter's weight is
 * Σ_ij α_ij · ReLU(g_ij).
 */
export class GradCamPlusPlus extends CamMethod {
  readonly name = 'gradcampp';

  protected filterWeights(activations: tf.Tensor4D, gradients: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const g2 = tf.square(gradients);
      const g3 = tf.mul(g2, gradients);
      const sumA = tf.sum(activations, [1, 2], true);
      const denominator = tf.add(tf.mul(g2, 2), tf.mul(sumA, g3));
      const safe = tf.where(tf.notEqual(denominator, 0), denominator, tf.onesLike(denominator));
      const alpha = tf.where(tf.notEqual(gradients, 0), tf.div(g2, safe), tf.zerosLike(g2));
      return tf.sum(tf.mul(alpha, tf.relu(gradients)), [1, 2]) as tf.Tensor2D;
    });
  }
}
