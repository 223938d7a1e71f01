/**
 * A test image with a run's Grad-CAM map blended over it, as PNG bytes: what the gallery's tiles
 * show (`/overlay/<run>/test/<index>.png?map=…`). Rendered here rather than in the page so a tile
 * is one cacheable image request instead of a JSON map and a canvas per tile.
 *
 * The image is enlarged with nearest-neighbour (CIFAR's pixels stay crisp) and the map is
 * upsampled bilinearly straight to the output size (a smooth heatmap, as in the seed's figures).
 */
import sharp from 'sharp';
import { COLORMAPS, colormap, upsampleBilinear, type Colormap } from '../../../shared/heatmap';
import { BadRequestError, NotFoundError } from '../errors';
import type { ExplanationStore } from '../store/explanations';

export const OVERLAY_MAPS = ['predicted', 'true', 'spread'] as const;
export type OverlayMap = (typeof OVERLAY_MAPS)[number];
export const OVERLAY_SIZES = [32, 64, 128, 256] as const;

export interface OverlayParams {
  map: OverlayMap;
  colormap: Colormap;
  opacity: number;
  /** Output width and height in pixels. */
  size: number;
}

export const DEFAULT_OVERLAY_PARAMS: OverlayParams = {
  map: 'predicted',
  colormap: 'viridis',
  opacity: 0.35,
  size: 128,
};

/** Reads `map=`, `colormap=`, `opacity=`, `size=` (other parameters, e.g. a cache buster, are ignored). */
export function parseOverlayParams(search: URLSearchParams): OverlayParams {
  const map = search.get('map') ?? DEFAULT_OVERLAY_PARAMS.map;
  if (!(OVERLAY_MAPS as readonly string[]).includes(map))
    throw new BadRequestError(`map: one of ${OVERLAY_MAPS.join(', ')}, not ${JSON.stringify(map)}`);
  const colormap = search.get('colormap') ?? DEFAULT_OVERLAY_PARAMS.colormap;
  if (!(COLORMAPS as readonly string[]).includes(colormap))
    throw new BadRequestError(`colormap: one of ${COLORMAPS.join(', ')}, not ${JSON.stringify(colormap)}`);
  const opacityText = search.get('opacity');
  const opacity = opacityText === null ? DEFAULT_OVERLAY_PARAMS.opacity : Number(opacityText);
  if (opacityText === '' || !Number.isFinite(opacity) || opacity < 0 || opacity > 1)
    throw new BadRequestError(`opacity: a number from 0 to 1, not ${JSON.stringify(opacityText)}`);
  const sizeText = search.get('size');
  const size = sizeText === null ? DEFAULT_OVERLAY_PARAMS.size : Number(sizeText);
  if (!(OVERLAY_SIZES as readonly number[]).includes(size))
    throw new BadRequestError(`size: one of ${OVERLAY_SIZES.join(', ')}, not ${JSON.stringify(sizeText)}`);
  return { map: map as OverlayMap, colormap: colormap as Colormap, opacity, size };
}

/**
 * The map of one test image from the explanation the run's pages show (ExplanationStore.shown:
 * the run page and the case view show the same), scaled to [0, 1]: the spread is the standard deviation
 * over samples ÷ the explanation's largest, as on a run's page.
 */
export function overlayMap(
  explanations: ExplanationStore,
  runId: number,
  index: number,
  which: OverlayMap,
): { values: number[]; shape: [number, number] } {
  const current = explanations.shown(runId);
  if (!current)
    throw new NotFoundError(`run ${runId} has no explanation yet; explain it first (casebook explain --run ${runId})`);
  const maps = explanations.imageMaps(current.id, index);
  if (maps === null) throw new NotFoundError(`run ${runId}'s explanation ${current.id} has no test image ${index}`);
  let values = maps.map;
  if (which === 'true') values = maps.trueMap ?? maps.map;
  if (which === 'spread') {
    if (maps.std === null)
      throw new NotFoundError(`run ${runId}'s explanation has one sample per image: there is no spread to show`);
    const largest = maps.summary.maxStd || 1;
    values = maps.std.map((v) => v / largest);
  }
  return { values, shape: maps.summary.mapShape };
}

/** The image (uint8 HWC, 1 or 3 channels) enlarged to `size` with the map blended over it, as PNG. */
export async function renderOverlay(
  pixels: Uint8Array,
  shape: readonly [number, number, number],
  map: { values: readonly number[]; shape: readonly [number, number] },
  params: OverlayParams,
): Promise<Buffer> {
  const [height, width, channels] = shape;
  const size = params.size;
  const enlarged = await sharp(pixels, { raw: { width, height, channels: channels as 1 | 3 } })
    .resize(size, size, { kernel: 'nearest', fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer();
  const full = upsampleBilinear(map.values, map.shape[0], map.shape[1], size, size);
  // shared/heatmap's blendOverlay, with the colormap looked up in 256 steps (a tile is served often)
  const lut = Array.from({ length: 256 }, (_, i) => colormap(params.colormap, i / 255));
  const blended = Buffer.alloc(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    const value = Math.min(1, Math.max(0, full[p] ?? 0));
    const a = params.opacity * value;
    const colour = lut[Math.round(value * 255)] ?? [0, 0, 0];
    for (let c = 0; c < 3; c++)
      blended[p * 4 + c] = Math.round((enlarged[p * 4 + c] ?? 0) * (1 - a) + (colour[c] ?? 0) * a);
    blended[p * 4 + 3] = 255;
  }
  return sharp(blended, { raw: { width: size, height: size, channels: 4 } })
    .removeAlpha()
    .png({ compressionLevel: 3 })
    .toBuffer();
}
