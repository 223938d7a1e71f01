// ROAD's noisy linear imputation against images whose imputation is known by hand, and the
// check's MoRF/LeRF drops on a hand-written "model" that reads one region.
import { describe, expect, it } from 'vitest';
import { imputeNoisyLinear, roadCheck, roadImages, roadScore } from '../../src/main/lab/explain/road';
import { seededRandom } from '../../src/main/lab/training/random';

const shape = [8, 8, 2] as const;

/** Channel 0 a ramp along x (x / 7), channel 1 a ramp along y. */
function ramps(): Float32Array {
  const out = new Float32Array(8 * 8 * 2);
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) {
      out[(y * 8 + x) * 2] = x / 7;
      out[(y * 8 + x) * 2 + 1] = y / 7;
    }
  return out;
}

describe('noisy linear imputation', () => {
  it('fills a hole in a linear ramp with the ramp (the neighbours’ weighted mean) and keeps every other pixel', () => {
    const image = ramps();
    const removed = new Uint8Array(64);
    for (const p of [18, 19, 20, 26, 27, 28, 34, 35, 36]) removed[p] = 1; // a 3 × 3 block inside
    const out = imputeNoisyLinear(image, shape, removed, { noise: 0, random: seededRandom(1), tolerance: 1e-10 });
    for (let p = 0; p < 64; p++) for (let c = 0; c < 2; c++) expect(out[p * 2 + c]).toBeCloseTo(image[p * 2 + c]!, 5);
    // a pixel removed on the image's edge: its missing neighbours are left out of the weights
    const edge = new Uint8Array(64);
    edge[3] = 1;
    const atEdge = imputeNoisyLinear(image, shape, edge, { noise: 0, random: seededRandom(1) });
    expect(atEdge[3 * 2]).toBeCloseTo(3 / 7, 5);
    // row 1's three neighbours (1/12 + 1/6 + 1/12) over all five weights (2/3): half of 1/7
    expect(atEdge[3 * 2 + 1]).toBeCloseTo(0.5 / 7, 5);
  });

  it('is not the mean fill: a removed stripe of a two-colour image takes its neighbours’ colour', () => {
    const image = new Float32Array(64 * 2);
    for (let p = 0; p < 64; p++) image[p * 2] = p % 8 < 4 ? 1 : 0; // left half white in channel 0
    const removed = new Uint8Array(64);
    for (let y = 0; y < 8; y++) removed[y * 8 + 1] = 1; // column 1, inside the white half
    const out = imputeNoisyLinear(image, shape, removed, { noise: 0, random: seededRandom(1) });
    for (let y = 0; y < 8; y++) expect(out[(y * 8 + 1) * 2]).toBeCloseTo(1, 5); // the mean fill would give 0.5
  });

  it('fills an image removed entirely with its mean, and adds noise of σ', () => {
    const image = ramps();
    const all = new Uint8Array(64).fill(1);
    const flat = imputeNoisyLinear(image, shape, all, { noise: 0, random: seededRandom(1) });
    for (let p = 0; p < 64; p++) expect(flat[p * 2]).toBeCloseTo(0.5, 4);
    const big = [32, 32, 1] as const;
    const zeros = new Float32Array(32 * 32);
    const removed = new Uint8Array(32 * 32);
    for (let p = 0; p < removed.length; p += 2) removed[p] = 1;
    const noisy = imputeNoisyLinear(zeros, big, removed, { noise: 0.01, random: seededRandom(3) });
    const values = Array.from(noisy).filter((_, p) => removed[p]);
    const sd = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    expect(sd).toBeGreaterThan(0.009);
    expect(sd).toBeLessThan(0.011);
    expect(Array.from(noisy).filter((_, p) => !removed[p])).toEqual(new Array(512).fill(0));
  });
});

describe('the ROAD check', () => {
  // a "model" whose class probability is the mean of channel 0 over the left half
  const probabilityOf = (pixels: Float32Array) => {
    const n = pixels.length / 128;
    return Float64Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let p = 0; p < 64; p++) if (p % 8 < 4) s += pixels[i * 128 + p * 2]!;
      return s / 32;
    });
  };
  // the image: a white left half on black; the same, slightly textured, as a second image
  const image = new Float32Array(128 * 2);
  for (let i = 0; i < 2; i++)
    for (let p = 0; p < 64; p++) image[i * 128 + p * 2] = p % 8 < 4 ? 0.9 + 0.1 * ((p + i) % 2) : 0;

  it('drops the class more when the pixels the model reads go first (MoRF) than last (LeRF)', () => {
    const left = Float32Array.from({ length: 64 }, (_, p) => (p % 8 < 4 ? 1 : 0) + p / 1000);
    const rank = (map: Float32Array) => Uint32Array.from({ length: 64 }, (_, p) => p).sort((a, b) => map[b]! - map[a]!);
    const faithful = [rank(left), rank(left)];
    const result = roadCheck({ pixels: image, shape, rankings: faithful, random: seededRandom(5), probabilityOf });
    expect(result).toHaveLength(3);
    for (const { most, least } of result) {
      expect(most).toBeGreaterThan(0.02);
      expect(least).toBeLessThan(most);
    }
    const inverted = [rank(left.map((v) => -v)), rank(left.map((v) => -v))];
    const wrong = roadCheck({ pixels: image, shape, rankings: inverted, random: seededRandom(5), probabilityOf });
    const score = (r: { most: number; least: number }[]) =>
      roadScore(r.map((x) => ({ mostDrop: x.most / 2, leastDrop: x.least / 2 })));
    expect(score(result)).toBeGreaterThan(0);
    expect(score(wrong)).toBeLessThan(0);
  });

  it('removes the first or the last of each ranking', () => {
    const ranking = Uint32Array.from({ length: 64 }, (_, p) => p);
    const most = roadImages(image.subarray(0, 128), shape, [ranking], 0.1, 'most', seededRandom(1));
    const least = roadImages(image.subarray(0, 128), shape, [ranking], 0.1, 'least', seededRandom(1));
    const changed = (a: Float32Array) => [...Array(64).keys()].filter((p) => a[p * 2 + 1] !== 0);
    expect(changed(most)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(changed(least)).toEqual([58, 59, 60, 61, 62, 63]);
  });
});
