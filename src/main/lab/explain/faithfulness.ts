/**
 * Does the map point at what the model uses? The deletion check: replace the top share of
 * pixels by CAM with the image's mean colour and see how far the explained class's probability
 * drops, against the same share of random pixels. A map that means something drops it more.
 * The mean fill is itself a signal the model can read (a flat patch shaped like the map); ROAD
 * (./road.ts) removes the same pixels by noisy linear imputation instead.
 */
export const DELETION_FRACTIONS = [0.1, 0.2, 0.3] as const;

/**
 * Copies of n images (n × H·W·C, channels last) with, in each, `fraction` of the pixels replaced
 * by that image's per-channel mean: the pixels ranked highest by `order(i)` first.
 */
export function deletePixels(
  pixels: Float32Array,
  shape: readonly [number, number, number],
  rankings: readonly Uint32Array[],
  fraction: number,
): Float32Array {
  const [H, W, C] = shape;
  const size = H * W * C;
  const out = Float32Array.from(pixels);
  const count = Math.round(fraction * H * W);
  rankings.forEach((ranking, i) => {
    const mean = new Float64Array(C);
    for (let p = 0; p < H * W; p++)
      for (let c = 0; c < C; c++) mean[c] = (mean[c] ?? 0) + (pixels[i * size + p * C + c] ?? 0) / (H * W);
    for (let r = 0; r < count; r++) {
      const p = ranking[r] ?? 0;
      for (let c = 0; c < C; c++) out[i * size + p * C + c] = mean[c] ?? 0;
    }
  });
  return out;
}

/** Pixel indices by map value, highest first (ties: lower index first). */
export function rankByMap(map: Float32Array): Uint32Array {
  const order = Uint32Array.from({ length: map.length }, (_, i) => i);
  return order.sort((a, b) => (map[b] ?? 0) - (map[a] ?? 0) || a - b);
}

/**
 * For each of `DELETION_FRACTIONS`, the summed drop in the explained class's probability over
 * the images when their top pixels by map (`rankings`), or random ones (`randomRankings`), are
 * replaced by the image mean. `probabilityOf` gives each image's probability of its explained
 * class for a batch of pixel values.
 */
export function deletionCheck(input: {
  pixels: Float32Array;
  shape: readonly [number, number, number];
  rankings: readonly Uint32Array[];
  randomRankings: readonly Uint32Array[];
  probabilityOf: (pixels: Float32Array) => Float64Array;
  /** The unchanged images' probabilities, when the caller has them already. */
  base?: Float64Array;
}): { deletion: number; random: number }[] {
  const { pixels, shape, rankings, randomRankings, probabilityOf } = input;
  const base = input.base ?? probabilityOf(pixels);
  const drop = (after: Float64Array) => base.reduce((sum, p, i) => sum + p - (after[i] ?? 0), 0);
  return DELETION_FRACTIONS.map((fraction) => ({
    deletion: drop(probabilityOf(deletePixels(pixels, shape, rankings, fraction))),
    random: drop(probabilityOf(deletePixels(pixels, shape, randomRankings, fraction))),
  }));
}
