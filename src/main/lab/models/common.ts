// What the three model families share.
import type { tf } from '../engine/backend';

/** Height, width, channels of one input image. */
export type ImageShape = [number, number, number];

/** The seed study's images and classes: 32×32 RGB, deer / frog / truck. */
export const SEED_INPUT_SHAPE: ImageShape = [32, 32, 3];
export const SEED_CLASSES = 3;

/** The one input tensor of a layer's call (layers here take exactly one unless said otherwise). */
export function single(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor {
  const input = Array.isArray(inputs) ? inputs[0] : inputs;
  if (input === undefined || (Array.isArray(inputs) && inputs.length !== 1)) {
    throw new Error(`${layer} expects exactly one input tensor`);
  }
  return input;
}
