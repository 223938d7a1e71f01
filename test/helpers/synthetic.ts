import type { DatasetContent, NewDataset, SplitData } from '../../src/main/lab/datasets/types';
import { tf } from '../../src/main/lab/engine/backend';

/** A split of `perClass` images per class, each image filled with one value derived from (label, i). */
export function syntheticSplit(
  classes: number,
  perClass: number,
  shape: [number, number, number],
  seed = 0,
): SplitData {
  const bytes = shape[0] * shape[1] * shape[2];
  const n = classes * perClass;
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * bytes);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    pixels.fill((seed + i * 37 + labels[i]! * 11) % 256, i * bytes, (i + 1) * bytes);
  }
  return { labels, pixels };
}

export function syntheticDataset(
  options: { classes?: string[]; train?: number; test?: number; seed?: number } = {},
): NewDataset {
  const classes = options.classes ?? ['deer', 'frog', 'truck'];
  const shape: [number, number, number] = [32, 32, 3];
  const content: DatasetContent = {
    classes,
    shape,
    train: syntheticSplit(classes.length, options.train ?? 4, shape, options.seed ?? 0),
    test: syntheticSplit(classes.length, options.test ?? 2, shape, (options.seed ?? 0) + 1),
  };
  return { name: 'synthetic', kind: 'cifar10', source: 'memory', sourceSha256: null, content };
}

/** n seeded random 32×32×3 images with one-hot labels cycling through 3 classes, as tensors. */
export function labelledBatch(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([n, 32, 32, 3], 0, 1, 'float32', seed) as tf.Tensor4D,
    y: tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: n }, (_, i) => (i + seed) % 3),
          'int32',
        ),
        3,
      )
      .toFloat() as tf.Tensor2D,
  }));
}
