/**
 * Stochastic predictions, fast: the trunk of a split model (`stochastic.ts`) runs once per image
 * and only the small head runs T times, on big tiled batches of the trunk's outputs, with noise
 * from `noise.ts`.
 */
import { tf } from '../engine/backend';
import { fastNoise, headNoise, type NoiseSource } from './noise';
import { perExample, splitStochastic, type StochasticSplit } from './stochastic';

/**
 * Each row of `t` repeated `times` times, row-major ([n, …] → [n·times, …]): a broadcasting add
 * of zeros (exact), far faster on wasm than tf.tile or tf.gather. Call inside `tf.tidy`.
 */
export function repeatRows<T extends tf.Tensor>(t: T, times: number): T {
  const [n = 0, ...rest] = t.shape;
  return tf.add(t.reshape([n, 1, ...rest]), tf.zeros([1, times, ...rest])).reshape([n * times, ...rest]) as T;
}

export interface SampleOptions {
  /** T, samples per image (DESIGN.md's default is 1000). */
  samples: number;
  /** Batch size of the trunk (and of a deterministic model's prediction); default 256. */
  batchSize?: number;
  /** Where the head's noise comes from; default `fastNoise(seed)`. */
  random?: NoiseSource;
  /** Seeds the default noise; default: random. */
  seed?: number;
  /** Bound on the bytes of one head intermediate per chunk; default 4 MiB. */
  maxChunkBytes?: number;
  /** A split of this model made earlier (default: made here). */
  split?: StochasticSplit | null;
  /** Called after each chunk with rows done and rows in all (rows = images × samples). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Class probabilities of T samples for each image of `x` ([N, ...input shape]), image-major:
 * image i's sample t, class k at (i·T + t)·K + k. The trunk runs once per image; the head runs on
 * chunks of tiled trunk outputs of at most `maxChunkBytes` per intermediate.
 *
 * A deterministic model (no `Sampling` or `McDropout` layer, e.g. the CNN) has nothing to sample:
 * it gives its single prediction, T = 1, i.e. N × K values (all T samples would be equal).
 */
export async function sampleProbabilities(
  model: tf.LayersModel,
  x: tf.Tensor,
  options: SampleOptions,
): Promise<Float32Array> {
  const { samples, batchSize = 256, maxChunkBytes = 4 * 2 ** 20 } = options;
  if (!(Number.isInteger(samples) && samples >= 1))
    throw new Error(`samples must be a positive integer, got ${samples}`);
  const split = options.split === undefined ? splitStochastic(model) : options.split;
  const images = x.shape[0] ?? 0;
  if (split === null) {
    const predicted = tf.tidy(() => model.predict(x, { batchSize }) as tf.Tensor);
    try {
      return Float32Array.from(await predicted.data());
    } finally {
      predicted.dispose();
    }
  }
  const random = options.random ?? fastNoise(options.seed);
  const classes = perExample(model.outputs[0]?.shape ?? []);
  const total = images * samples;
  const out = new Float32Array(total * classes);
  if (total === 0) return out;
  // a chunk is whole images × all samples, or, when T rows exceed the bound, part of one image's samples
  const rowBound = Math.max(1, Math.floor(maxChunkBytes / (4 * split.headWidth)));
  const imagesPerChunk = Math.max(1, Math.floor(rowBound / samples));
  const samplesPerChunk = Math.min(samples, rowBound);
  const chunks: { image: number; images: number; sample: number; samples: number }[] = [];
  for (let image = 0; image < images; image += samplesPerChunk < samples ? 1 : imagesPerChunk) {
    if (samplesPerChunk < samples) {
      for (let sample = 0; sample < samples; sample += samplesPerChunk) {
        chunks.push({ image, images: 1, sample, samples: Math.min(samplesPerChunk, samples - sample) });
      }
    } else {
      chunks.push({ image, images: Math.min(imagesPerChunk, images - image), sample: 0, samples });
    }
  }

  const trunkOut = tf.tidy(() => split.trunk.predict(x, { batchSize }));
  const features = Array.isArray(trunkOut) ? trunkOut : [trunkOut];
  try {
    for (const chunk of chunks) {
      const firstRow = chunk.image * samples + chunk.sample;
      const rows = chunk.images * chunk.samples;
      const noise = headNoise(random, { firstRow, rows, samples });
      const probabilities = tf.tidy(() => {
        // each image's features repeated for its samples, image-major; a broadcasting add of zeros
        // (exact), far faster on wasm than tf.tile or tf.gather
        const tiled = features.map((f) => repeatRows(tf.slice(f, [chunk.image], [chunk.images]), chunk.samples));
        return split.head(tiled, noise);
      });
      try {
        out.set(await probabilities.data(), firstRow * classes);
      } finally {
        probabilities.dispose();
      }
      options.onProgress?.(firstRow + rows, total);
    }
  } finally {
    tf.dispose(features);
  }
  return out;
}
