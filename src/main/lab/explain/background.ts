/**
 * The background test: does the model decide by the background? Each image is predicted again
 * with its border ring (the same ring as the background share, `shared/heatmap.ts`) replaced by
 * a blurred or a mean version, and with its centre replaced likewise; the change in the
 * predicted class's probability says how much the decision rests on each part, and a class that
 * changes when only the background changes is the finder's "decided by the background".
 *
 * Pure functions over images as Float32Array, n × H·W·C, channels last, values in [0, 1].
 */
import { ringMask } from '../../../shared/heatmap';

/** The four changed versions of an image, in the order they are stored. */
export const BACKGROUND_VARIANTS = ['background-blur', 'background-mean', 'centre-blur', 'centre-mean'] as const;
export type BackgroundVariant = (typeof BACKGROUND_VARIANTS)[number];

/** The Gaussian blur's σ in pixels for an H × W image: 2 on 32 × 32 (texture and edges gone, colours and layout kept). */
export function blurSigma(H: number, W: number): number {
  return Math.max(1, Math.min(H, W) / 16);
}

/** The normalised 1-D Gaussian kernel of σ, radius ⌈3σ⌉. */
function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.ceil(3 * sigma);
  const kernel = Float64Array.from({ length: 2 * radius + 1 }, (_, k) =>
    Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)),
  );
  const total = kernel.reduce((a, b) => a + b, 0);
  return kernel.map((v) => v / total);
}

/** A separable Gaussian blur of one image (H·W·C), edges clamped. */
export function blurImage(
  image: ArrayLike<number>,
  shape: readonly [number, number, number],
  sigma: number,
): Float32Array {
  const [H, W, C] = shape;
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) / 2;
  const rows = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const xx = x + k < 0 ? 0 : x + k >= W ? W - 1 : x + k;
          sum += (kernel[k + radius] as number) * (image[(y * W + xx) * C + c] as number);
        }
        rows[(y * W + x) * C + c] = sum;
      }
  const out = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const yy = y + k < 0 ? 0 : y + k >= H ? H - 1 : y + k;
          sum += (kernel[k + radius] as number) * (rows[(yy * W + x) * C + c] as number);
        }
        out[(y * W + x) * C + c] = sum;
      }
  return out;
}

/** The image's per-channel mean over all its pixels. */
function channelMeans(image: ArrayLike<number>, pixels: number, C: number): Float64Array {
  const mean = new Float64Array(C);
  for (let p = 0; p < pixels; p++)
    for (let c = 0; c < C; c++) mean[c] = (mean[c] as number) + (image[p * C + c] as number);
  return mean.map((v) => v / pixels);
}

/**
 * The n images with the pixels where `region` is 1 replaced: by the image blurred (`blur`) or by
 * the image's per-channel mean over all its pixels (`mean`, the deletion check's fill).
 */
export function replaceRegion(
  pixels: Float32Array,
  shape: readonly [number, number, number],
  region: Uint8Array,
  fill: 'blur' | 'mean',
): Float32Array {
  return fillRegions(pixels, shape, [{ region, fill }])[0] as Float32Array;
}

/**
 * Several fills of the same n images at once: each image is blurred and averaged once, whatever
 * the number of fills that use it.
 */
export function fillRegions(
  pixels: Float32Array,
  shape: readonly [number, number, number],
  fills: readonly { region: Uint8Array; fill: 'blur' | 'mean' }[],
): Float32Array[] {
  const [H, W, C] = shape;
  const size = H * W * C;
  const n = Math.floor(pixels.length / size);
  const outs = fills.map(() => Float32Array.from(pixels));
  const sigma = blurSigma(H, W);
  const blurs = fills.some((f) => f.fill === 'blur');
  for (let i = 0; i < n; i++) {
    const image = pixels.subarray(i * size, (i + 1) * size);
    const blurred = blurs ? blurImage(image, shape, sigma) : null;
    const mean = channelMeans(image, H * W, C);
    fills.forEach(({ region, fill }, f) => {
      const out = outs[f] as Float32Array;
      for (let p = 0; p < H * W; p++) {
        if (!region[p]) continue;
        for (let c = 0; c < C; c++)
          out[i * size + p * C + c] =
            fill === 'blur' ? ((blurred as Float32Array)[p * C + c] as number) : (mean[c] as number);
      }
    });
  }
  return outs;
}

/** The ring (1 in the border 25 % of the area) and the centre (its complement) of an H × W image. */
export function backgroundRegions(H: number, W: number): { ring: Uint8Array; centre: Uint8Array } {
  const ring = ringMask(H, W);
  return { ring, centre: ring.map((v) => 1 - v) };
}

/** The four changed versions of n images, in `BACKGROUND_VARIANTS` order. */
export function backgroundVariants(
  pixels: Float32Array,
  shape: readonly [number, number, number],
): Record<BackgroundVariant, Float32Array> {
  const { ring, centre } = backgroundRegions(shape[0], shape[1]);
  const [backgroundBlur, backgroundMean, centreBlur, centreMean] = fillRegions(pixels, shape, [
    { region: ring, fill: 'blur' },
    { region: ring, fill: 'mean' },
    { region: centre, fill: 'blur' },
    { region: centre, fill: 'mean' },
  ]) as [Float32Array, Float32Array, Float32Array, Float32Array];
  return {
    'background-blur': backgroundBlur,
    'background-mean': backgroundMean,
    'centre-blur': centreBlur,
    'centre-mean': centreMean,
  };
}

/** One image's background test. */
export interface BackgroundVerdict {
  /** The class whose probability is followed (the run's current evaluation's prediction). */
  predicted: number;
  /** Its probability with the image unchanged (the same prediction procedure as the variants). */
  base: number;
  /** Its probability with each variant, in `BACKGROUND_VARIANTS` order. */
  variants: [number, number, number, number];
  /** The larger drop of its probability when the background alone is replaced (0 when neither drops it). */
  dependence: number;
  /** The same when the centre alone is replaced. */
  centreDependence: number;
  /** The class changes when only the background changes (either fill), while the unchanged image gives `predicted`. */
  flips: boolean;
  /** The class it flips to (the fill that drops `predicted` most), or null. */
  flippedTo: number | null;
}

const argmax = (p: ArrayLike<number>): number => {
  let best = 0;
  for (let k = 1; k < p.length; k++) if ((p[k] ?? 0) > (p[best] ?? 0)) best = k;
  return best;
};

/**
 * The verdict from K class probabilities of the unchanged image (`base`) and of each variant
 * (`variants`, `BACKGROUND_VARIANTS` order), for class `predicted`.
 */
export function backgroundVerdict(
  predicted: number,
  base: ArrayLike<number>,
  variants: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>, ArrayLike<number>],
): BackgroundVerdict {
  const p = base[predicted] ?? 0;
  const at = variants.map((v) => v[predicted] ?? 0) as [number, number, number, number];
  const drop = (v: number) => p - v;
  const stays = argmax(base) === predicted;
  const flipping = [0, 1]
    .map((v) => ({ v, to: argmax(variants[v] as ArrayLike<number>) }))
    .filter(({ to }) => stays && to !== predicted)
    .sort((a, b) => (at[a.v] ?? 0) - (at[b.v] ?? 0));
  return {
    predicted,
    base: p,
    variants: at,
    dependence: Math.max(0, drop(at[0]), drop(at[1])),
    centreDependence: Math.max(0, drop(at[2]), drop(at[3])),
    flips: flipping.length > 0,
    flippedTo: flipping[0]?.to ?? null,
  };
}
