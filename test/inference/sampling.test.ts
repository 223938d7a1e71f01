// Fast stochastic predictions (src/main/lab/inference/sampling.ts): with the same noise per
// (image, sample), trunk-once / head-T-times sampling must equal T full forward passes
// (model.predict) of each image; the expected values here come from those full passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { fastNoise, type NoiseRequest, type NoiseSource } from '../../src/main/lab/inference/noise';
import { sampleProbabilities } from '../../src/main/lab/inference/sampling';
import { splitStochastic, type RandomLayer } from '../../src/main/lab/inference/stochastic';
import { buildCnn } from '../../src/main/lab/models/cnn';
import { buildMcDropout, McDropout } from '../../src/main/lab/models/mcdropout';
import { buildVnn, Sampling } from '../../src/main/lab/models/vnn';

const N = 4;
const T = 8;
const K = 3;

let x: tf.Tensor4D;
const models: Record<'vnn' | 'mcdropout' | 'cnn', tf.LayersModel> = {} as never;

beforeAll(async () => {
  await initEngine();
  x = tf.randomUniform([N, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  models.vnn = buildVnn({ seed: 11 });
  models.mcdropout = buildMcDropout({ trainingSize: 12_000, seed: 13 });
  models.cnn = buildCnn({ seed: 17 });
});

afterAll(() => {
  x.dispose();
  for (const model of Object.values(models)) model.dispose();
});

/** A fixed pseudo-random number in [0, 1) for (layer, image, sample, unit, stream). */
function hash01(layer: string, image: number, sample: number, unit: number, stream: number): number {
  let h = 0x811c9dc5;
  for (const ch of layer) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  for (const v of [image, sample, unit, stream]) {
    h = Math.imul(h ^ v, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return (h >>> 0) / 2 ** 32;
}

/** The fixed noise value of one unit: ε ~ N(0, 1) (Box–Muller) or a keep bit. */
function noiseValue(layer: RandomLayer, image: number, sample: number, unit: number): number {
  if (layer instanceof McDropout) return hash01(layer.name, image, sample, unit, 0) < 1 - layer.rate ? 1 : 0;
  const u = 1 - hash01(layer.name, image, sample, unit, 1);
  const v = hash01(layer.name, image, sample, unit, 2);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** The same noise, as sampleProbabilities asks for it. */
const fixedNoise: NoiseSource = (request: NoiseRequest) => {
  const out = new Float32Array(request.rows * request.width);
  for (let r = 0; r < request.rows; r++) {
    const row = request.firstRow + r;
    const image = Math.floor(row / request.samples);
    const sample = row % request.samples;
    for (let u = 0; u < request.width; u++) out[r * request.width + u] = noiseValue(request.layer, image, sample, u);
  }
  return out;
};

/** T full forward passes of each image, one image at a time, with the fixed noise. */
function fullPasses(model: tf.LayersModel): Float32Array {
  const random = model.layers.filter((l): l is RandomLayer => l instanceof Sampling || l instanceof McDropout);
  const out = new Float32Array(N * T * K);
  for (let i = 0; i < N; i++) {
    for (let t = 0; t < T; t++) {
      const restore: (() => void)[] = [];
      for (const layer of random) {
        const hook = (shape: number[]) => {
          const width = shape.slice(1).reduce((p, q) => p * q, 1);
          return tf.tensor(
            Float32Array.from({ length: width }, (_, u) => noiseValue(layer, i, t, u)),
            shape,
          );
        };
        if (layer instanceof Sampling) {
          const previous = layer.epsilon;
          layer.epsilon = hook as Sampling['epsilon'];
          restore.push(() => (layer.epsilon = previous));
        } else {
          const previous = layer.keepMask;
          layer.keepMask = hook;
          restore.push(() => (layer.keepMask = previous));
        }
      }
      try {
        const row = tf.tidy(() => (model.predict(tf.slice(x, [i], [1])) as tf.Tensor).dataSync());
        out.set(row, (i * T + t) * K);
      } finally {
        for (const undo of restore) undo();
      }
    }
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Counts the images that go through a layer's call (the first conv: the trunk's work). */
function countImages(layer: tf.layers.Layer): { count: () => number; restore: () => void } {
  const original = layer.call.bind(layer);
  let images = 0;
  layer.call = (inputs, kwargs) => {
    const first = Array.isArray(inputs) ? inputs[0] : inputs;
    images += first?.shape[0] ?? 0;
    return original(inputs, kwargs);
  };
  return { count: () => images, restore: () => (layer.call = original) };
}

describe('splitStochastic', () => {
  it.each([
    ['vnn', ['z_mean', 'z_log_var'], ['z']],
    ['mcdropout', ['dense_1'], ['mc_dropout_1', 'mc_dropout_2']],
  ] as const)('splits the %s before its first random layer, sharing its layers', (name, trunkOutputs, random) => {
    const model = models[name];
    const before = tf.memory().numTensors;
    const split = splitStochastic(model);
    expect(split).not.toBeNull();
    if (split === null) return;
    expect(split.trunk.outputs.map((t) => t.sourceLayer.name)).toEqual(trunkOutputs);
    expect(split.randomLayers.map((l) => l.name)).toEqual(random);
    for (const layer of split.trunk.layers) {
      if (layer.getClassName() !== 'InputLayer') expect(layer).toBe(model.getLayer(layer.name));
    }
    // disposing the trunk must leave the model's weights alone
    split.trunk.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const y = tf.tidy(() => (model.predict(x) as tf.Tensor).shape);
    expect(y).toEqual([N, K]);
  });

  it('gives null for the deterministic CNN', () => {
    expect(splitStochastic(models.cnn)).toBeNull();
  });

  it('its head maps the trunk outputs to probabilities with the same weights as predict', () => {
    const split = splitStochastic(models.mcdropout);
    if (split === null) throw new Error('expected a split');
    const mask = (_layer: RandomLayer, shape: number[]) => tf.ones(shape);
    const [viaHead, viaPredict] = tf.tidy(() => {
      const features = split.trunk.predict(x) as tf.Tensor;
      const head = split.head([features], mask).dataSync();
      for (const layer of split.randomLayers) (layer as McDropout).keepMask = (shape) => tf.ones(shape);
      const full = (models.mcdropout.predict(x) as tf.Tensor).dataSync();
      for (const layer of split.randomLayers) (layer as McDropout).keepMask = undefined;
      return [head, full];
    });
    expect(maxAbsDiff(viaHead as Float32Array, viaPredict as Float32Array)).toBeLessThan(1e-5);
  });
});

describe('sampleProbabilities', () => {
  it.each(['vnn', 'mcdropout'] as const)(
    '%s: equals T full forward passes with the same noise, running the trunk once per image',
    async (name) => {
      const model = models[name];
      const expected = fullPasses(model);
      const conv = countImages(model.getLayer('conv_1'));
      const before = tf.memory().numTensors;
      let samples: Float32Array;
      try {
        samples = await sampleProbabilities(model, x, { samples: T, random: fixedNoise });
      } finally {
        conv.restore();
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(conv.count()).toBe(N); // the naive way: N · T
      expect(samples).toHaveLength(N * T * K);
      expect(maxAbsDiff(samples, expected)).toBeLessThan(1e-5);
      for (let r = 0; r < N * T; r++) {
        const row = samples.subarray(r * K, (r + 1) * K);
        expect(row.reduce((p, q) => p + q, 0)).toBeCloseTo(1, 5);
      }
      // the samples differ: the head is random
      expect(new Set(Array.from({ length: T }, (_, t) => samples[t * K]?.toFixed(6))).size).toBeGreaterThan(1);
    },
  );

  it.each([
    ['vnn', 3, N * Math.ceil(T / 3)], // part of one image's samples per chunk
    ['mcdropout', 3, N * Math.ceil(T / 3)],
    ['vnn', 20, Math.ceil(N / 2)], // two images per chunk
    ['mcdropout', 20, Math.ceil(N / 2)],
  ] as const)('%s: chunks of at most %i rows change nothing (%i chunks)', async (name, rowBound, chunks) => {
    const model = models[name];
    const whole = await sampleProbabilities(model, x, { samples: T, random: fixedNoise });
    const split = splitStochastic(model);
    const maxChunkBytes = rowBound * 4 * (split?.headWidth ?? 1);
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const chunked = await sampleProbabilities(model, x, {
      samples: T,
      random: fixedNoise,
      maxChunkBytes,
      split,
      onProgress: (done) => progress.push(done),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toHaveLength(chunks);
    expect(progress.at(-1)).toBe(N * T);
    expect(maxAbsDiff(chunked, whole)).toBeLessThan(1e-6);
  });

  it('with the default noise, draws different samples and is reproducible from a seed', async () => {
    const model = models.vnn;
    const before = tf.memory().numTensors;
    const a = await sampleProbabilities(model, x, { samples: T, seed: 5 });
    const b = await sampleProbabilities(model, x, { samples: T, seed: 5 });
    const c = await sampleProbabilities(model, x, { samples: T, seed: 6 });
    const d = await sampleProbabilities(models.mcdropout, x, { samples: T });
    expect(tf.memory().numTensors).toBe(before);
    expect(a).toEqual(b);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
    for (const samples of [a, d]) {
      expect(samples).toHaveLength(N * T * K);
      for (let r = 0; r < N * T; r++) {
        expect(samples.subarray(r * K, (r + 1) * K).reduce((p, q) => p + q, 0)).toBeCloseTo(1, 5);
      }
    }
  });

  it('gives a deterministic model’s single prediction (T = 1)', async () => {
    const before = tf.memory().numTensors;
    const samples = await sampleProbabilities(models.cnn, x, { samples: T });
    expect(tf.memory().numTensors).toBe(before);
    const expected = tf.tidy(() => (models.cnn.predict(x) as tf.Tensor).dataSync() as Float32Array);
    expect(samples).toHaveLength(N * K);
    expect(maxAbsDiff(samples, expected)).toBeLessThan(1e-6);
  });

  it('rejects a bad sample count', async () => {
    await expect(sampleProbabilities(models.vnn, x, { samples: 0 })).rejects.toThrow(/samples/);
  });
});

describe('fastNoise', () => {
  const layer = {} as RandomLayer;
  const request = (kind: 'normal' | 'keep', keepProb: number): NoiseRequest => ({
    layer,
    kind,
    keepProb,
    firstRow: 0,
    rows: 1000,
    samples: 10,
    width: 101,
  });

  it('draws standard normals', () => {
    const values = fastNoise(1)(request('normal', 1));
    const n = values.length;
    const mean = values.reduce((p, q) => p + q, 0) / n;
    const variance = values.reduce((p, q) => p + (q - mean) ** 2, 0) / n;
    // n = 101,000: the standard errors are ≈ 0.003 (mean) and ≈ 0.0045 (variance)
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  it('draws normals with the right tails (Kolmogorov–Smirnov against Φ)', () => {
    const values = Float64Array.from(fastNoise(3)(request('normal', 1))).sort();
    const n = values.length;
    // Φ from erf, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
    const erf = (z: number): number => {
      const t = 1 / (1 + 0.3275911 * Math.abs(z));
      const y =
        1 -
        ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
          t *
          Math.exp(-z * z);
      return z >= 0 ? y : -y;
    };
    const phi = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));
    let ks = 0;
    values.forEach((v, i) => (ks = Math.max(ks, Math.abs(phi(v) - i / n), Math.abs(phi(v) - (i + 1) / n))));
    // the 1 % critical value for n = 101,000 is 1.63 / √n ≈ 0.0051
    expect(ks).toBeLessThan(0.0051);
    const beyond3 = values.filter((v) => Math.abs(v) > 3).length / n;
    expect(beyond3).toBeGreaterThan(0.0027 - 0.0008); // 2·(1 − Φ(3)) = 0.0027, standard error ≈ 0.00016
    expect(beyond3).toBeLessThan(0.0027 + 0.0008);
    expect(values.filter((v) => Math.abs(v) > 3.442619855899).length).toBeGreaterThan(0); // the tail is drawn
  });

  it.each([0.5, 0.8])('draws 0/1 keep masks with P(keep) = %d', (keepProb) => {
    const values = fastNoise(2)(request('keep', keepProb));
    expect(values.every((v) => v === 0 || v === 1)).toBe(true);
    const kept = values.reduce((p, q) => p + q, 0) / values.length;
    expect(Math.abs(kept - keepProb)).toBeLessThan(0.01); // standard error ≤ 0.0016
  });
});
