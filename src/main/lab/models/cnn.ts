// The seed's plain CNN (DESIGN.md §1): 331,331 parameters for 32×32×3 inputs and 3 classes.
import { tf } from '../engine/backend';
import { SEED_CLASSES, SEED_INPUT_SHAPE, type ImageShape } from './common';

/** Name of the last convolution, the layer Grad-CAM explains. */
export const CNN_LAST_CONV = 'Conv_last';

export interface CnnOptions {
  /** Default [32, 32, 3]. */
  inputShape?: ImageShape;
  /** Default 3. */
  classes?: number;
  /** Rate of both dropout layers; default 0.2. */
  dropout?: number;
  /** Seeds the weight initialisers (for reproducible tests); default: random. */
  seed?: number;
}

/**
 * conv 32 3×3 relu (valid) → maxpool 2 → conv 64 3×3 relu `Conv_last` → maxpool 2 → flatten →
 * dense 128 relu → dropout → dense 128 relu → dropout → dense softmax. Not compiled.
 */
export function buildCnn(options: CnnOptions = {}): tf.LayersModel {
  const { inputShape = SEED_INPUT_SHAPE, classes = SEED_CLASSES, dropout = 0.2, seed } = options;
  const init = (offset: number) =>
    seed === undefined ? {} : { kernelInitializer: tf.initializers.glorotUniform({ seed: seed + offset }) };
  return tf.sequential({
    name: 'cnn',
    layers: [
      tf.layers.conv2d({
        inputShape,
        filters: 32,
        kernelSize: 3,
        activation: 'relu',
        padding: 'valid',
        name: 'conv_1',
        ...init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_1' }),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 3,
        activation: 'relu',
        padding: 'valid',
        name: CNN_LAST_CONV,
        ...init(2),
      }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_2' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 128, activation: 'relu', name: 'dense_1', ...init(3) }),
      tf.layers.dropout({ rate: dropout, name: 'dropout_1' }),
      tf.layers.dense({ units: 128, activation: 'relu', name: 'dense_2', ...init(4) }),
      tf.layers.dropout({ rate: dropout, name: 'dropout_2' }),
      tf.layers.dense({ units: classes, activation: 'softmax', name: 'probabilities', ...init(5) }),
    ],
  });
}
