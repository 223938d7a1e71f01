/**
 * The embedding map's view on a canvas, as pure functions: the viewport (map coordinates [0, 1]²
 * to CSS pixels, zoomed about the cursor and panned), a grid of the points to find the one under
 * the cursor without scanning 10,000 of them, and a lasso thinned to the corners an address can hold.
 */

/** What a drag on the map does: select with a box or a lasso, or pan. */
export type MapTool = 'box' | 'lasso' | 'pan';

/** Map (x, y) → screen (tx + x·s, ty + (1 − y)·s): y grows upwards, as on the exported chart. */
export interface Viewport {
  scale: number;
  tx: number;
  ty: number;
}

export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 200;

/** The viewport that fits the unit square into a width × height canvas with `pad` pixels around. */
export function fitViewport(width: number, height: number, pad = 16): Viewport {
  const scale = Math.max(1, Math.min(width, height) - 2 * pad);
  return { scale, tx: (width - scale) / 2, ty: (height - scale) / 2 };
}

export function toScreen(view: Viewport, x: number, y: number): [number, number] {
  return [view.tx + x * view.scale, view.ty + (1 - y) * view.scale];
}

export function toMap(view: Viewport, sx: number, sy: number): [number, number] {
  return [(sx - view.tx) / view.scale, 1 - (sy - view.ty) / view.scale];
}

/** Zooms by `factor` keeping the map point under (sx, sy) where it is; the zoom stays within [MIN_ZOOM, MAX_ZOOM] of `fit`. */
export function zoomAt(view: Viewport, fit: Viewport, factor: number, sx: number, sy: number): Viewport {
  const scale = Math.min(fit.scale * MAX_ZOOM, Math.max(fit.scale * MIN_ZOOM, view.scale * factor));
  const k = scale / view.scale;
  return { scale, tx: sx - (sx - view.tx) * k, ty: sy - (sy - view.ty) * k };
}

export function panBy(view: Viewport, dx: number, dy: number): Viewport {
  return { ...view, tx: view.tx + dx, ty: view.ty + dy };
}

/** A uniform grid over [0, 1]² of point indices, for the nearest point to the cursor. */
export class PointGrid {
  readonly #cells: number[][];
  readonly #size: number;

  constructor(
    private readonly x: readonly number[],
    private readonly y: readonly number[],
    size = 64,
  ) {
    this.#size = size;
    this.#cells = Array.from({ length: size * size }, () => []);
    for (let i = 0; i < x.length; i++) this.#cells[this.#cell(x[i] ?? 0, y[i] ?? 0)]?.push(i);
  }

  #clamp(v: number): number {
    return Math.min(this.#size - 1, Math.max(0, Math.floor(v * this.#size)));
  }

  #cell(x: number, y: number): number {
    return this.#clamp(y) * this.#size + this.#clamp(x);
  }

  /** The index of the nearest point within `radius` (map units) of (x, y), or null. */
  nearest(x: number, y: number, radius: number): number | null {
    const [c0, c1] = [this.#clamp(x - radius), this.#clamp(x + radius)];
    const [r0, r1] = [this.#clamp(y - radius), this.#clamp(y + radius)];
    let best: number | null = null;
    let bestD = radius * radius;
    for (let r = r0; r <= r1; r++)
      for (let c = c0; c <= c1; c++)
        for (const i of this.#cells[r * this.#size + c] ?? []) {
          const d = ((this.x[i] ?? 0) - x) ** 2 + ((this.y[i] ?? 0) - y) ** 2;
          if (d <= bestD) {
            bestD = d;
            best = i;
          }
        }
    return best;
  }
}

/** A lasso's path thinned to at most `max` corners (every k-th), as an address can hold. */
export function thinPath(path: readonly [number, number][], max = 120): [number, number][] {
  if (path.length <= max) return path.map(([x, y]) => [x, y]);
  const step = path.length / max;
  return Array.from({ length: max }, (_, k) => {
    const [x, y] = path[Math.floor(k * step)] ?? [0, 0];
    return [x, y];
  });
}
