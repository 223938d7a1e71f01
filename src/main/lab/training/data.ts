import type { RunConfig } from '../../../shared/contract';
import type { SplitData } from '../datasets/types';
import { tf } from '../engine/backend';
import { permutation, seededRandom } from './random';

/** Images of one split held as uint8 HWC with labels; turned into tensors a batch at a time. */
export class ImageSet {
  readonly imageBytes: number;

  constructor(
    readonly pixels: Uint8Array,
    readonly labels: Uint8Array,
    readonly shape: readonly [number, number, number],
    readonly classes: number,
  ) {
    this.imageBytes = shape[0] * shape[1] * shape[2];
  }

  get size(): number {
    return this.labels.length;
  }

  static fromSplit(
    split: SplitData,
    shape: readonly [number, number, number],
    classes: number,
    limit: number | null,
  ): ImageSet {
    const n = limit === null ? split.labels.length : Math.min(limit, split.labels.length);
    const bytes = shape[0] * shape[1] * shape[2];
    return new ImageSet(split.pixels.subarray(0, n * bytes), split.labels.subarray(0, n), shape, classes);
  }

  /** The images at these indices, in this order, as a new set. */
  pick(indices: ArrayLike<number>): ImageSet {
    const pixels = new Uint8Array(indices.length * this.imageBytes);
    const labels = new Uint8Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i] ?? 0;
      pixels.set(this.pixels.subarray(k * this.imageBytes, (k + 1) * this.imageBytes), i * this.imageBytes);
      labels[i] = this.labels[k] ?? 0;
    }
    return new ImageSet(pixels, labels, this.shape, this.classes);
  }

  /** x scaled to [0, 1] and one-hot y for the images at `indices` (or the range [start, end)). */
  batch(indices: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor2D } {
    const n = indices.length;
    const x = new Float32Array(n * this.imageBytes);
    const y = new Float32Array(n * this.classes);
    for (let i = 0; i < n; i++) {
      const k = indices[i] ?? 0;
      const offset = k * this.imageBytes;
      const base = i * this.imageBytes;
      for (let j = 0; j < this.imageBytes; j++) x[base + j] = (this.pixels[offset + j] ?? 0) / 255;
      y[i * this.classes + (this.labels[k] ?? 0)] = 1;
    }
    return {
      x: tf.tensor4d(x, [n, this.shape[0], this.shape[1], this.shape[2]]),
      y: tf.tensor2d(y, [n, this.classes]),
    };
  }

  range(start: number, end: number): Uint32Array {
    const indices = new Uint32Array(Math.max(0, end - start));
    for (let i = 0; i < indices.length; i++) indices[i] = start + i;
    return indices;
  }
}

/** Train/validation split as configured: the tail share (as Keras' validation_split) or a seeded draw. */
export function splitValidation(
  train: ImageSet,
  config: Pick<RunConfig, 'validationFraction' | 'validationSplit' | 'seed'>,
): {
  fit: ImageSet;
  validation: ImageSet;
} {
  const n = train.size;
  const held = Math.max(1, Math.round(n * config.validationFraction));
  if (held >= n)
    throw new Error(`a validation share of ${config.validationFraction} leaves no training images out of ${n}`);
  const order =
    config.validationSplit === 'tail' ? train.range(0, n) : permutation(n, seededRandom(config.seed ^ 0x5eed));
  return { fit: train.pick(order.subarray(0, n - held)), validation: train.pick(order.subarray(n - held)) };
}
