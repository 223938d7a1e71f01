/**
 * Heatmaps over images, shared by main (faithfulness and background scores on the upsampled
 * map) and the renderer (overlays). The seed's look is the default: bilinear upsampling to the
 * image size, viridis with an alpha ramp, blended at 35 %.
 */

/** Bilinear resampling of an h × w map to H × W (pixel centres aligned, edges clamped). */
export function upsampleBilinear(map: ArrayLike<number>, h: number, w: number, H: number, W: number): Float32Array {
  if (map.length !== h * w) throw new Error(`map: expected ${h} × ${w} = ${h * w} values, got ${map.length}`);
  const out = new Float32Array(H * W);
  const at = (y: number, x: number) => map[y * w + x] ?? 0;
  for (let Y = 0; Y < H; Y++) {
    const sy = Math.min(h - 1, Math.max(0, ((Y + 0.5) * h) / H - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let X = 0; X < W; X++) {
      const sx = Math.min(w - 1, Math.max(0, ((X + 0.5) * w) / W - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
      const bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
      out[Y * W + X] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Share of the image's area in the outer ring (DESIGN: the border 25 %). */
export const BACKGROUND_RING_AREA = 0.25;

/**
 * True for pixels of an H × W image whose centre lies outside the centred rectangle holding
 * (1 − ringArea) of the area: on 32 × 32, a ring 2 pixels wide (240 of 1,024 pixels).
 */
export function ringMask(H: number, W: number, ringArea = BACKGROUND_RING_AREA): Uint8Array {
  const side = Math.sqrt(1 - ringArea);
  const [top, bottom] = [(H * (1 - side)) / 2, H - (H * (1 - side)) / 2];
  const [left, right] = [(W * (1 - side)) / 2, W - (W * (1 - side)) / 2];
  const mask = new Uint8Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const [cy, cx] = [y + 0.5, x + 0.5];
      mask[y * W + x] = cy < top || cy > bottom || cx < left || cx > right ? 1 : 0;
    }
  return mask;
}

/** The share of a (non-negative) map's mass in the ring; null for an empty map. */
export function backgroundShare(map: ArrayLike<number>, ring: Uint8Array): number | null {
  let total = 0;
  let outer = 0;
  for (let p = 0; p < ring.length; p++) {
    const v = Math.max(0, map[p] ?? 0);
    total += v;
    if (ring[p]) outer += v;
  }
  return total > 0 ? outer / total : null;
}

export const COLORMAPS = ['viridis', 'inferno', 'gray'] as const;
export type Colormap = (typeof COLORMAPS)[number];

// matplotlib's colormaps sampled at 0, 1/8, …, 1 (linear between)
const STOPS: Record<Colormap, readonly (readonly [number, number, number])[]> = {
  viridis: [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
  ],
  inferno: [
    [0, 0, 4],
    [31, 12, 72],
    [85, 15, 109],
    [136, 34, 106],
    [186, 54, 85],
    [227, 89, 51],
    [249, 140, 10],
    [249, 201, 50],
    [252, 255, 164],
  ],
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
};

/** The colour of value t ∈ [0, 1]. */
export function colormap(name: Colormap, t: number): [number, number, number] {
  const stops = STOPS[name];
  const s = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(s));
  const f = s - i;
  const a = stops[i] ?? [0, 0, 0];
  const b = stops[i + 1] ?? a;
  return [0, 1, 2].map((c) => Math.round((a[c] ?? 0) * (1 - f) + (b[c] ?? 0) * f)) as [number, number, number];
}

export interface OverlayOptions {
  colormap: Colormap;
  /** The overlay's weight where the map is 1 (the seed: 0.35); an alpha ramp makes it 0 where the map is 0. */
  opacity: number;
}

export const DEFAULT_OVERLAY: OverlayOptions = { colormap: 'viridis', opacity: 0.35 };

/**
 * The image (RGBA, H × W) with the map (H × W, values in [0, 1]) blended over it:
 * out = image · (1 − a) + colour · a, with a = opacity · value.
 */
export function blendOverlay(
  rgba: ArrayLike<number>,
  map: ArrayLike<number>,
  options: OverlayOptions = DEFAULT_OVERLAY,
): Uint8ClampedArray {
  const pixels = map.length;
  if (rgba.length !== pixels * 4) throw new Error(`image: expected ${pixels * 4} RGBA values, got ${rgba.length}`);
  const out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const value = Math.min(1, Math.max(0, map[p] ?? 0));
    const a = options.opacity * value;
    const colour = colormap(options.colormap, value);
    for (let c = 0; c < 3; c++) out[p * 4 + c] = (rgba[p * 4 + c] ?? 0) * (1 - a) + (colour[c] ?? 0) * a;
    out[p * 4 + 3] = rgba[p * 4 + 3] ?? 255;
  }
  return out;
}
