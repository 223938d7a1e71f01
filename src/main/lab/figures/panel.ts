/**
 * Draws a case panel (src/shared/figures/case-panel.ts) on a canvas (PNG) or an SVG surface: the
 * title, the image and each run's overlay (src/shared/heatmap.ts) with a colorbar, the boxplot
 * chart, and the reasons, tags and note as wrapped text.
 */
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { blendOverlay, colormap, upsampleBilinear } from '../../../shared/heatmap';
import { PANEL_LAYOUT, type CasePanel, type DrawContext } from '../../../shared/figures';
import { FIGURE_FONT_FAMILY } from './fonts';

/** What the panel needs of a 2D context (the canvas's and the SVG one both have it). */
export interface PanelContext extends DrawContext {
  measureText(text: string): { width: number };
  imageSmoothingEnabled: boolean;
}

export interface PanelDrawer {
  ctx: PanelContext;
  /** Draws a raster (the image tiles) into the box, without smoothing. */
  raster(canvas: Canvas, x: number, y: number, w: number, h: number): void;
  /** Draws the panel's boxplot chart into the box. */
  chart(x: number, y: number, w: number, h: number): void;
}

/** Nearest-neighbour upscale factor of the tiles' rasters (crisp pixels in SVG and PDF too). */
const UPSCALE = 8;

/** HWC uint8 pixels (1 or 3 channels) as RGBA. */
export function rgbaOf(pixels: Uint8Array, shape: readonly [number, number, number]): Uint8ClampedArray {
  const [H, W, C] = shape;
  const rgba = new Uint8ClampedArray(H * W * 4);
  for (let p = 0; p < H * W; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = pixels[p * C + (C === 1 ? 0 : c)] ?? 0;
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

/** RGBA pixels on a canvas, upscaled without smoothing (crisp pixels in SVG and PDF too). */
export function upscaledRaster(rgba: ArrayLike<number>, width: number, height: number): Canvas {
  const small = createCanvas(width, height);
  const smallCtx = small.getContext('2d');
  const data = smallCtx.createImageData(width, height);
  data.data.set(rgba);
  smallCtx.putImageData(data, 0, 0);
  const big = createCanvas(width * UPSCALE, height * UPSCALE);
  const bigCtx = big.getContext('2d');
  bigCtx.imageSmoothingEnabled = false;
  bigCtx.drawImage(small, 0, 0, width * UPSCALE, height * UPSCALE);
  return big;
}

/** The image as RGBA, and with a map blended over it, upscaled without smoothing. */
function tileRaster(panel: CasePanel, map: readonly number[] | null, shape: readonly [number, number] | null): Canvas {
  const [H, W] = panel.image.shape;
  const rgba = rgbaOf(panel.image.pixels, panel.image.shape);
  const pixels =
    map && shape ? blendOverlay(rgba, upsampleBilinear(map, shape[0], shape[1], H, W), panel.overlay) : rgba;
  return upscaledRaster(pixels, W, H);
}

/** Lines of at most `width` pixels; a word longer than a line is cut. */
export function wrap(ctx: PanelContext, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    // spaces only: a no-break space ("87.0 %") keeps its words together
    for (const word of paragraph.split(/[ \t]+/).filter((w) => w.length > 0)) {
      const next = line.length === 0 ? word : `${line} ${word}`;
      if (ctx.measureText(next).width <= width) line = next;
      else {
        if (line.length > 0) lines.push(line);
        let rest = word;
        while (ctx.measureText(rest).width > width && rest.length > 1) {
          let cut = rest.length - 1;
          while (cut > 1 && ctx.measureText(rest.slice(0, cut)).width > width) cut--;
          lines.push(rest.slice(0, cut));
          rest = rest.slice(cut);
        }
        line = rest;
      }
    }
    lines.push(line);
  }
  return lines;
}

export const font = (size: number, bold = false): string => `${bold ? 'bold ' : ''}${size}px ${FIGURE_FONT_FAMILY}`;

export function drawPanel(panel: CasePanel, drawer: PanelDrawer): void {
  const { ctx } = drawer;
  const l = PANEL_LAYOUT;
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, panel.width, panel.height);
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  ctx.fillStyle = '#1f2328';
  ctx.font = font(17, true);
  ctx.fillText(panel.title, l.margin, l.margin + 18);

  // the image and one overlay per run, then the colorbar
  const top = l.margin + l.titleHeight;
  const tiles = panel.tiles.slice(0, 4);
  let x = l.margin;
  for (const tile of tiles) {
    drawer.raster(tileRaster(panel, tile.map, tile.mapShape), x, top, l.tile, l.tile);
    ctx.strokeStyle = '#c9ced6';
    ctx.lineWidth = 1;
    ctx.strokeRect(x, top, l.tile, l.tile);
    ctx.font = font(13, tile.wrong);
    ctx.fillStyle = tile.wrong ? '#b42318' : '#1f2328';
    ctx.textAlign = 'center';
    const [first = '', second] = wrap(ctx, tile.label, l.tile);
    ctx.fillText(first, x + l.tile / 2, top + l.tile + 16);
    if (second !== undefined) ctx.fillText(second, x + l.tile / 2, top + l.tile + 31);
    x += l.tile + l.tileGap;
  }
  if (tiles.some((tile) => tile.map !== null)) {
    const steps = 48;
    const step = l.tile / steps;
    for (let i = 0; i < steps; i++) {
      const [r, g, b] = colormap(panel.overlay.colormap, 1 - (i + 0.5) / steps);
      ctx.fillStyle = `rgb(${r}, ${g}, ${b})`;
      // a hair taller than a step, so no seams show between them
      ctx.fillRect(x, top + i * step, l.colorbarWidth, step + 0.5);
    }
    ctx.strokeStyle = '#8b929c';
    ctx.strokeRect(x, top, l.colorbarWidth, l.tile);
    ctx.fillStyle = '#333333';
    ctx.font = font(11);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText('1', x + l.colorbarWidth + 4, top + 4);
    ctx.fillText('0.5', x + l.colorbarWidth + 4, top + l.tile / 2);
    ctx.fillText('0', x + l.colorbarWidth + 4, top + l.tile - 4);
    ctx.textBaseline = 'alphabetic';
    ctx.font = font(12);
    const legend = wrap(
      ctx,
      `Grad-CAM (${panel.overlay.colormap}, blended at ${Math.round(panel.overlay.opacity * 100)} %)`,
      110,
    );
    legend.forEach((text, i) => ctx.fillText(text, x + l.colorbarWidth + 28, top + 14 + i * 15));
  }

  // the boxplots, and beside them the reasons, the tags and the note
  const lower = top + l.tile + l.labelHeight + l.textGap;
  drawer.chart(l.margin, lower, l.chartWidth, l.chartHeight);
  const textX = l.margin + l.chartWidth + 24;
  const textWidth = panel.width - textX - l.margin;
  const bottom = lower + l.chartHeight;
  let y = lower + 14;
  ctx.textAlign = 'left';
  const section = (heading: string, body: string[], italic = false): void => {
    if (body.length === 0 || y > bottom - 16) return;
    ctx.font = font(13, true);
    ctx.fillStyle = '#1f2328';
    ctx.fillText(heading, textX, y);
    y += 18;
    ctx.font = `${italic ? 'italic ' : ''}13px ${FIGURE_FONT_FAMILY}`;
    ctx.fillStyle = '#333333';
    for (const paragraph of body) {
      for (const text of wrap(ctx, paragraph, textWidth)) {
        if (y > bottom - 4) {
          ctx.fillText('…', textX, y);
          return;
        }
        ctx.fillText(text, textX, y);
        y += 17;
      }
      y += 3;
    }
    y += 10;
  };
  section(
    'Why it is listed',
    panel.reasons.map((reason) => `• ${reason}`),
  );
  section('Tags', panel.tags.length > 0 ? [panel.tags.join(', ')] : []);
  section('Note', panel.note.trim().length > 0 ? [panel.note.trim()] : []);
  ctx.restore();
}
