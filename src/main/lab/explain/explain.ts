/**
 * Grad-CAM for a batch of images and one or several cut models: plain Grad-CAM for a
 * deterministic model (a stochastic model's random layers set to their mean), MC Grad-CAM for a
 * stochastic one (the map's mean and standard deviation over T samples of the head's noise), and
 * for an ensemble the mean and standard deviation over its members. Each sample's map is scaled
 * to [0, 1] before the mean, as the seed scaled its maps.
 */
import { tf } from '../engine/backend';
import { fastNoise, headNoise } from '../inference/noise';
import { repeatRows } from '../inference/sampling';
import { expectedNoise } from '../inference/stochastic';
import type { CamMethod } from './cam';
import { minMaxScale } from './cam';
import { camGradients, type CamModel, type ScoreKind } from './target';

export interface ExplainBatchOptions {
  method: CamMethod;
  score: ScoreKind;
  /** T for a single stochastic model (1: plain Grad-CAM with the random layers at their mean). */
  samples: number;
  /** Seeds the head's noise. */
  seed: number;
  /** Bound on the rows (images × samples) of one gradient computation; default 1024. */
  maxRows?: number;
}

export interface BatchMaps {
  /** n × h·w: the (mean) map of each image for its target class. */
  maps: Float32Array;
  /** n × h·w standard deviations over samples or members, or null with one sample. */
  std: Float32Array | null;
  /** n × K (mean) class probabilities. */
  probabilities: Float32Array;
}

/** Maps of each image of `x` for class `classes[i]`, averaged over the samples (or members). */
export async function camMaps(
  cams: readonly CamModel[],
  x: tf.Tensor4D,
  classes: Int32Array,
  options: ExplainBatchOptions,
): Promise<BatchMaps> {
  const [first] = cams;
  if (first === undefined) throw new Error('no model to explain');
  const n = x.shape[0];
  const [h, w] = first.shape;
  const K = first.classes;
  const stochastic = cams.length === 1 && first.randomLayers.length > 0 && options.samples > 1;
  const S = cams.length > 1 ? cams.length : stochastic ? options.samples : 1;
  const sum = new Float64Array(n * h * w);
  const squares = new Float64Array(n * h * w);
  const probabilities = new Float32Array(n * K);
  const add = (image: number, maps: Float32Array, probs: Float32Array, rows: number): void => {
    // rows of one image: `rows` maps of h·w and `rows` probability vectors
    for (let r = 0; r < rows; r++) {
      for (let p = 0; p < h * w; p++) {
        const v = maps[r * h * w + p] ?? 0;
        sum[image * h * w + p] = (sum[image * h * w + p] ?? 0) + v;
        squares[image * h * w + p] = (squares[image * h * w + p] ?? 0) + v * v;
      }
      for (let k = 0; k < K; k++)
        probabilities[image * K + k] = (probabilities[image * K + k] ?? 0) + (probs[r * K + k] ?? 0) / S;
    }
  };

  for (const cam of cams) {
    const activations = tf.tidy(() => cam.lower.predict(x, { batchSize: 256 }) as tf.Tensor4D);
    try {
      if (!stochastic) {
        const noise = cam.randomLayers.length > 0 ? expectedNoise : undefined;
        const { maps, probs } = scaledMaps(cam, activations, classes, options, noise);
        for (let i = 0; i < n; i++)
          add(i, maps.subarray(i * h * w, (i + 1) * h * w), probs.subarray(i * K, (i + 1) * K), 1);
        continue;
      }
      const random = fastNoise(options.seed);
      const perChunk = Math.max(1, Math.floor((options.maxRows ?? 1024) / S));
      for (let start = 0; start < n; start += perChunk) {
        const images = Math.min(perChunk, n - start);
        const rows = images * S;
        const tiled = tf.tidy(() => repeatRows(activations.slice(start, images), S));
        const rowClasses = new Int32Array(rows);
        for (let r = 0; r < rows; r++) rowClasses[r] = classes[start + Math.floor(r / S)] ?? 0;
        try {
          const noise = headNoise(random, { firstRow: start * S, rows, samples: S });
          const { maps, probs } = scaledMaps(cam, tiled, rowClasses, options, noise);
          for (let i = 0; i < images; i++)
            add(
              start + i,
              maps.subarray(i * S * h * w, (i + 1) * S * h * w),
              probs.subarray(i * S * K, (i + 1) * S * K),
              S,
            );
        } finally {
          tiled.dispose();
        }
      }
    } finally {
      activations.dispose();
    }
  }
  const maps = new Float32Array(n * h * w);
  const std = S > 1 ? new Float32Array(n * h * w) : null;
  for (let p = 0; p < maps.length; p++) {
    const mean = (sum[p] ?? 0) / S;
    maps[p] = mean;
    if (std) std[p] = Math.sqrt(Math.max(0, (squares[p] ?? 0) / S - mean * mean));
  }
  return { maps, std, probabilities };
}

function scaledMaps(
  cam: CamModel,
  activations: tf.Tensor4D,
  classes: Int32Array,
  options: ExplainBatchOptions,
  noise: Parameters<CamModel['upper']>[2],
): { maps: Float32Array; probs: Float32Array } {
  const { maps, probs } = tf.tidy(() => {
    const { gradients, probabilities } = camGradients(cam, activations, classes, options.score, noise);
    return { maps: minMaxScale(options.method.maps(activations, gradients)), probs: probabilities };
  });
  try {
    return { maps: maps.dataSync() as Float32Array, probs: probs.dataSync() as Float32Array };
  } finally {
    tf.dispose([maps, probs]);
  }
}
