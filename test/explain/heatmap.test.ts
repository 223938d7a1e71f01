// Overlay maths (shared by main and the renderer) and the deletion check's pixel surgery.
import { describe, expect, it } from 'vitest';
import { backgroundShare, blendOverlay, colormap, ringMask, upsampleBilinear } from '../../src/shared/heatmap';
import { deletePixels, deletionCheck, rankByMap } from '../../src/main/lab/explain/faithfulness';

describe('heatmaps', () => {
  it('upsample bilinearly with pixel centres aligned', () => {
    // same size: unchanged
    expect(Array.from(upsampleBilinear([1, 2, 3, 4], 2, 2, 2, 2))).toEqual([1, 2, 3, 4]);
    // 1×2 → 1×4: output centres at source x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    expect(Array.from(upsampleBilinear([0, 1], 1, 2, 1, 4))).toEqual([0, 0.25, 0.75, 1]);
    expect(() => upsampleBilinear([1, 2, 3], 2, 2, 4, 4)).toThrow('map: expected 2 × 2 = 4 values, got 3');
  });

  it('take the border 25 % of a 32 × 32 image as a ring two pixels wide', () => {
    const ring = ringMask(32, 32);
    // inner square: side 32·√0.75 = 27.7 centred, so centres 2.5 … 29.5 are inside: 28 × 28
    expect(ring.reduce((a, b) => a + b, 0)).toBe(1024 - 28 * 28);
    expect([
      ring[0],
      ring[2 * 32 + 1],
      ring[2 * 32 + 2],
      ring[16 * 32 + 16],
      ring[29 * 32 + 29],
      ring[30 * 32 + 30],
    ]).toEqual([1, 1, 0, 0, 0, 1]);
  });

  it("measure the share of a map's mass in the ring", () => {
    const ring = ringMask(4, 4, 0.75); // inner 2 × 2
    const map = new Float32Array(16).fill(1);
    expect(backgroundShare(map, ring)).toBeCloseTo(12 / 16);
    map.fill(0);
    map[5] = 1; // inside
    expect(backgroundShare(map, ring)).toBe(0);
    map[0] = 3; // corner
    expect(backgroundShare(map, ring)).toBeCloseTo(3 / 4);
    expect(backgroundShare(new Float32Array(16), ring)).toBeNull();
  });

  it("colour with matplotlib's viridis ends and blend with an alpha ramp", () => {
    expect(colormap('viridis', 0)).toEqual([68, 1, 84]);
    expect(colormap('viridis', 1)).toEqual([253, 231, 37]);
    expect(colormap('gray', 0.5)).toEqual([128, 128, 128]);
    const image = [100, 100, 100, 255, 100, 100, 100, 255];
    const out = blendOverlay(image, [0, 1], { colormap: 'viridis', opacity: 0.35 });
    // value 0: alpha 0, the image; value 1: 65 % image + 35 % yellow
    expect(Array.from(out)).toEqual([100, 100, 100, 255, 154, 146, 78, 255]);
  });
});

describe('the deletion check', () => {
  it('ranks pixels by map value, highest first', () => {
    expect(Array.from(rankByMap(Float32Array.of(0.1, 0.9, 0.5, 0.9)))).toEqual([1, 3, 2, 0]);
  });

  it("replaces the top share of pixels with the image's mean colour", () => {
    // one 2 × 2 image with 2 channels; channel means 2.5 and 25
    const pixels = Float32Array.of(1, 10, 2, 20, 3, 30, 4, 40);
    const out = deletePixels(pixels, [2, 2, 2], [Uint32Array.of(3, 0, 1, 2)], 0.5);
    expect(Array.from(out)).toEqual([2.5, 25, 2, 20, 3, 30, 2.5, 25]);
    // the input is left alone
    expect(pixels[0]).toBe(1);
  });

  it('sums the probability drops for the map-ranked and the random pixels at 10, 20 and 30 %', () => {
    // one 2 × 2 grey image; the "model" believes in its class as much as pixel 0 is bright
    const pixels = Float32Array.of(1, 0, 0, 0);
    const checked = deletionCheck({
      pixels,
      shape: [2, 2, 1],
      rankings: [Uint32Array.of(0, 1, 2, 3)],
      randomRankings: [Uint32Array.of(3, 2, 1, 0)],
      probabilityOf: (values) => Float64Array.of(values[0]!),
    });
    // 10 % of 4 pixels rounds to none; 20 % and 30 % to one: pixel 0 becomes the mean, 0.25
    expect(checked).toEqual([
      { deletion: 0, random: 0 },
      { deletion: 0.75, random: 0 },
      { deletion: 0.75, random: 0 },
    ]);
  });
});
