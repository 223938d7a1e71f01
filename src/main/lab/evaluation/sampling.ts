/**
 * Stochastic predictions, fast (DESIGN.md §4, "Stochastic models"). Only the layers after the
 * first random op of a VNN or MC-dropout model are random, so the deterministic trunk runs once
 * per image and only the small head runs T times, on big tiled batches. This is exact: with the
 * same noise per (image, sample) it gives what T full forward passes give.
 *
 * Random layers are `Sampling` (VNN) and `McDropout`; Keras `Dropout` and the like are off at
 * prediction and so deterministic.
 */
import { tf } from '../engine/backend';
import { McDropout } from '../models/mcdropout';
import { Sampling } from '../models/vnn';
import { parentsOf, runNodes, singleOutput, subModel, topologicalOrder, type GraphNode } from '../models/graph';

/** A layer that draws fresh noise at prediction. */
export type RandomLayer = Sampling | McDropout;

/** For a random layer of the head, the noise of one call: ε for `Sampling`, the 0/1 keep mask for `McDropout`. */
export type HeadNoise = (layer: RandomLayer, shape: number[]) => tf.Tensor;

/** Maps the trunk's outputs (in `trunk.outputs` order) to class probabilities. */
export type Head = (features: tf.Tensor[], noise?: HeadNoise) => tf.Tensor;

export interface StochasticSplit {
  /**
   * From the model's input to the tensors the random part consumes (VNN: [z_mean, z_log_var]; MC
   * dropout: dense_1's output). Shares the model's layers and weights; disposing it frees nothing
   * (dispose the original model instead).
   */
  trunk: tf.LayersModel;
  /**
   * Runs the layers from the first random layer to the output on concrete tensors, with the
   * original layers (same weights). Without `noise` the random layers draw their own noise.
   */
  head: Head;
  /** The random layers, in graph order. */
  randomLayers: RandomLayer[];
  /** The largest number of values per example of any tensor in the head (sizes the chunks). */
  headWidth: number;
}

export function isRandom(layer: tf.layers.Layer): layer is RandomLayer {
  return layer instanceof Sampling || layer instanceof McDropout;
}

function containsRandom(layer: tf.layers.Layer): boolean {
  return layer instanceof tf.LayersModel && layer.layers.some((l) => isRandom(l) || containsRandom(l));
}

function perExample(shape: tf.SymbolicTensor['shape']): number {
  return shape.slice(1).reduce<number>((p, d) => p * (d ?? 1), 1);
}

/** Runs `fn` with the random layers drawing their noise from `noise` (when given), then restores them. */
export function withNoise<T>(layers: readonly RandomLayer[], noise: HeadNoise | undefined, fn: () => T): T {
  const restore: (() => void)[] = [];
  try {
    if (noise !== undefined) {
      for (const layer of layers) {
        if (layer instanceof Sampling) {
          const previous = layer.epsilon;
          layer.epsilon = (shape) => noise(layer, shape) as tf.Tensor2D;
          restore.push(() => (layer.epsilon = previous));
        } else {
          const previous = layer.keepMask;
          layer.keepMask = (shape) => noise(layer, shape);
          restore.push(() => (layer.keepMask = previous));
        }
      }
    }
    return fn();
  } finally {
    for (const undo of restore.reverse()) undo();
  }
}

/**
 * Splits a functional or sequential model whose only random layers are `Sampling` and `McDropout`
 * into a deterministic trunk and a random head (everything downstream of a random layer).
 * Deterministic models (e.g. the CNN) give null. Throws for models with several outputs or
 * random layers inside nested models.
 */
export function splitStochastic(model: tf.LayersModel): StochasticSplit | null {
  if (model.layers.some(containsRandom)) {
    throw new Error(`splitStochastic: model '${model.name}' has random layers inside a nested model`);
  }
  if (!model.layers.some(isRandom)) return null;
  const output = singleOutput(model);
  const order = topologicalOrder(model);

  const inHead = new Set<GraphNode>();
  for (const node of order) {
    if (isRandom(node.outboundLayer) || parentsOf(node).some((p) => inHead.has(p))) inHead.add(node);
  }
  const headNodes = order.filter((node) => inHead.has(node));
  const first = headNodes[0];
  if (first === undefined) return null; // random layers that do not reach the output

  // the tensors that cross from the trunk into the head; the first random layer's inputs first
  const crossing = new Map<number, tf.SymbolicTensor>();
  for (const node of headNodes) {
    parentsOf(node).forEach((parent, j) => {
      const tensor = node.inputTensors[j];
      if (tensor !== undefined && !inHead.has(parent)) crossing.set(tensor.id, tensor);
    });
  }
  const features = [...crossing.values()];

  const trunk = subModel(model, features, `${model.name}_trunk`);

  const randomLayers = headNodes.map((node) => node.outboundLayer).filter(isRandom);
  const headWidth = Math.max(
    ...features.map((t) => perExample(t.shape)),
    ...headNodes.flatMap((node) => node.outputTensors.map((t) => perExample(t.shape))),
  );

  const head: Head = (values, noise) => {
    if (values.length !== features.length) {
      throw new Error(`head: expected ${features.length} feature tensors, got ${values.length}`);
    }
    return withNoise(randomLayers, noise, () =>
      tf.tidy(() => {
        const known = new Map<number, tf.Tensor>();
        features.forEach((t, i) => known.set(t.id, values[i] as tf.Tensor));
        runNodes(headNodes, known);
        const probabilities = known.get(output.id);
        if (probabilities === undefined) throw new Error('head: the output was not computed');
        return probabilities;
      }),
    );
  };

  return { trunk, head, randomLayers, headWidth };
}

/** What a random layer of the head asks for, for a chunk of rows of a `sampleProbabilities` call. */
export interface NoiseRequest {
  layer: RandomLayer;
  /** 'normal': standard normal ε (Sampling); 'keep': 0/1 keep mask with P(1) = `keepProb` (McDropout). */
  kind: 'normal' | 'keep';
  /** 1 for 'normal'. */
  keepProb: number;
  /** Row r of the whole call is image ⌊r / samples⌋, sample r mod samples; this chunk starts here. */
  firstRow: number;
  rows: number;
  samples: number;
  /** Values per row: the layer input's size without the batch dimension. */
  width: number;
}

/** Returns rows × width values, row-major. */
export type NoiseSource = (request: NoiseRequest) => Float32Array;

/** xoshiro128** (Blackman & Vigna), seeded through splitmix32. */
class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed | 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** One random 32-bit word (as a signed integer). */
  next(): number {
    const x = Math.imul(this.b, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result;
  }

  /** A uniform number in (0, 1). */
  uniform(): number {
    return ((this.next() >>> 0) + 0.5) * 2 ** -32;
  }

  private buffer = new Int32Array(0);

  /** `count` random words in a scratch buffer, valid until the next call. */
  words(count: number): Int32Array {
    if (this.buffer.length < count) this.buffer = new Int32Array(count);
    const words = this.buffer.subarray(0, count);
    this.fill(words);
    return words;
  }

  /** Fills `words` with random 32-bit words (as signed integers). */
  fill(words: Int32Array): void {
    let { a, b, c, d } = this;
    for (let i = 0; i < words.length; i++) {
      const x = Math.imul(b, 5);
      words[i] = Math.imul((x << 7) | (x >>> 25), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }
}

// Marsaglia & Tsang's ziggurat (2000), 128 layers, on signed 32-bit words: the low 7 bits of a
// word choose the layer and the other 25 the value, so the two are independent (Doornik 2005).
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_K = new Float64Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
{
  const m1 = 2 ** 31;
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = (dn / q) * m1;
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m1;
  ZIG_W[127] = dn / m1;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = (dn / tn) * m1;
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / m1;
  }
}

/** The ziggurat's slow path (about 1 % of draws): the wedges and the tail. */
function zigguratFix(rng: Xoshiro128, word: number): number {
  let hz = word & ~127;
  let iz = word & 127;
  for (;;) {
    const x = hz * (ZIG_W[iz] as number);
    if (iz === 0) {
      let tx: number;
      let ty: number;
      do {
        tx = -Math.log(rng.uniform()) / ZIG_R;
        ty = -Math.log(rng.uniform());
      } while (ty + ty < tx * tx);
      return hz > 0 ? ZIG_R + tx : -ZIG_R - tx;
    }
    const f0 = ZIG_F[iz] as number;
    if (f0 + rng.uniform() * ((ZIG_F[iz - 1] as number) - f0) < Math.exp(-0.5 * x * x)) return x;
    const next = rng.next();
    hz = next & ~127;
    iz = next & 127;
    if (Math.abs(hz) < (ZIG_K[iz] as number)) return hz * (ZIG_W[iz] as number);
  }
}

/** Standard normals by the ziggurat method. */
function fillNormal(rng: Xoshiro128, out: Float32Array): void {
  const words = rng.words(out.length);
  for (let i = 0; i < out.length; i++) {
    const word = words[i] as number;
    const hz = word & ~127;
    const iz = word & 127;
    out[i] = Math.abs(hz) < (ZIG_K[iz] as number) ? hz * (ZIG_W[iz] as number) : zigguratFix(rng, word);
  }
}

/** 0/1 keep masks: one random bit per unit when keepProb is 1/2, else a 32-bit uniform per unit. */
function fillKeep(rng: Xoshiro128, out: Float32Array, keepProb: number): void {
  const n = out.length;
  if (keepProb === 0.5) {
    const words = rng.words(Math.ceil(n / 32));
    for (let w = 0, i = 0; i < n; w++) {
      const r = words[w] as number;
      const end = Math.min(n, i + 32);
      for (let bit = 0; i < end; bit++, i++) out[i] = (r >>> bit) & 1;
    }
  } else {
    const words = rng.words(n);
    // words are uniform on [−2³¹, 2³¹): keep below the keepProb quantile
    const threshold = keepProb * 2 ** 32 - 2 ** 31;
    for (let i = 0; i < n; i++) out[i] = (words[i] as number) < threshold ? 1 : 0;
  }
}

/**
 * The default noise: xoshiro128** words; normals by the ziggurat method; keep masks at one
 * random bit per unit when keepProb is 1/2. Far faster than tf.randomNormal / tf.dropout, whose
 * generators run value by value through seedrandom.
 */
export function fastNoise(seed: number = Math.floor(Math.random() * 2 ** 32)): NoiseSource {
  const rng = new Xoshiro128(seed);
  return (request) => {
    const out = new Float32Array(request.rows * request.width);
    if (request.kind === 'normal') fillNormal(rng, out);
    else fillKeep(rng, out, request.keepProb);
    return out;
  };
}

/**
 * Each row of `t` repeated `times` times, row-major ([n, …] → [n·times, …]): a broadcasting add
 * of zeros (exact), far faster on wasm than tf.tile or tf.gather. Call inside `tf.tidy`.
 */
export function repeatRows<T extends tf.Tensor>(t: T, times: number): T {
  const [n = 0, ...rest] = t.shape;
  return tf.add(t.reshape([n, 1, ...rest]), tf.zeros([1, times, ...rest])).reshape([n * times, ...rest]) as T;
}

/** The head's noise for `rows` rows (row r: image ⌊r / samples⌋, sample r mod samples) from a noise source. */
export function headNoise(random: NoiseSource, at: { firstRow: number; rows: number; samples: number }): HeadNoise {
  const { firstRow, rows, samples } = at;
  return (layer, shape) => {
    if (shape[0] !== rows) throw new Error(`layer '${layer.name}' got ${shape[0]} rows, expected ${rows}`);
    const width = shape.slice(1).reduce((p, q) => p * q, 1);
    const keepProb = layer instanceof McDropout ? 1 - layer.rate : 1;
    const kind = layer instanceof McDropout ? 'keep' : 'normal';
    const values = random({ layer, kind, keepProb, firstRow, rows, samples, width });
    if (values.length !== rows * width) {
      throw new Error(`noise for '${layer.name}': expected ${rows * width} values, got ${values.length}`);
    }
    return tf.tensor(values, shape);
  };
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
