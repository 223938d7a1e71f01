/**
 * The head's noise, fast and seeded: xoshiro128** words, normals by the ziggurat, 0/1 keep masks
 * at one random bit per unit. Evaluation and MC Grad-CAM draw from the same generator.
 */
import { tf } from '../engine/backend';
import { McDropout } from '../models/mcdropout';
import type { HeadNoise, RandomLayer } from './stochastic';

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
