import { tf } from '../engine/backend';
import { CamMethod } from './cam';

/** Grad-CAM (Selvaraju et al., 2017): a filter's weight is its gradient averaged over space. */
export class GradCam extends CamMethod {
  readonly name = 'gradcam';

  protected filterWeights(_activations: tf.Tensor4D, gradients: tf.Tensor4D): tf.Tensor2D {
    return tf.mean(gradients, [1, 2]) as tf.Tensor2D;
  }
}
