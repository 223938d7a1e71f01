/**
 * Renders a figure (a chart figure, a case panel or a neighbour strip) as PNG at scale 1, 2 or 3, as SVG (text kept
 * as text) or as vector PDF (the SVG through pdfkit), from its one definition.
 */
import { createCanvas } from '@napi-rs/canvas';
import sharp from 'sharp';
import type { CasePanel, ChartFigure, NeighbourStrip } from '../../../shared/figures';
import { drawChart } from './chart';
import { drawPanel, type PanelDrawer } from './panel';
import { drawStrip } from './strip';
import { svgToPdf } from './pdf';
import { SvgSurface } from './svg-context';

export const FIGURE_FORMATS = ['png', 'svg', 'pdf'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];
export type AnyFigure = ChartFigure | CasePanel | NeighbourStrip;

/** The size a chart figure is printed at (a paper size), or undefined (the screen's size; panels and strips). */
export const printedOf = (figure: AnyFigure): ChartFigure['printed'] =>
  figure.kind === 'case' || figure.kind === 'neighbours' ? undefined : figure.printed;

/** Draws the image tiles crisp (no smoothing) into their box. */
const crisp =
  (ctx: PanelDrawer['ctx'] & { drawImage: (source: never, x: number, y: number, w: number, h: number) => void }) =>
  (source: Parameters<PanelDrawer['raster']>[0], x: number, y: number, w: number, h: number): void => {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(source as never, x, y, w, h);
    ctx.imageSmoothingEnabled = true;
  };

export const MIME_TYPES: Record<FigureFormat, string> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
};

export function checkScale(scale: number): number {
  if (!Number.isInteger(scale) || scale < 1 || scale > 4) throw new Error(`scale: 1, 2, 3 or 4, not ${scale}`);
  return scale;
}

/** A paper size's PNG resolution. */
export const PAPER_DPI = 300;

async function png(figure: AnyFigure, scale: number): Promise<Buffer> {
  if (figure.kind === 'neighbours') {
    const canvas = createCanvas(figure.width * scale, figure.height * scale);
    const ctx = canvas.getContext('2d');
    ctx.scale(scale, scale);
    drawStrip(figure, { ctx, raster: crisp(ctx) });
    return canvas.encodeSync('png');
  }
  if (figure.kind !== 'case' && figure.printed) {
    // a paper size: 300 dpi at the printed size (a column: 975 px for 3.25 in), marked as such
    const ratio = (figure.printed.width / figure.width) * (PAPER_DPI / 72);
    const canvas = createCanvas(figure.width, figure.height);
    const bytes = drawChart(figure.config, canvas, ratio, () => canvas.encodeSync('png'));
    return sharp(bytes).withMetadata({ density: PAPER_DPI }).png().toBuffer();
  }
  if (figure.kind !== 'case') {
    const canvas = createCanvas(figure.width, figure.height);
    return drawChart(figure.config, canvas, scale, () => canvas.encodeSync('png'));
  }
  const canvas = createCanvas(figure.width * scale, figure.height * scale);
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  drawPanel(figure, {
    ctx,
    raster: (source, x, y, w, h) => {
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(source, x, y, w, h);
      ctx.imageSmoothingEnabled = true;
    },
    chart: (x, y, w, h) => {
      const sub = createCanvas(w, h);
      drawChart(figure.boxplots, sub, scale, () => ctx.drawImage(sub, x, y, w, h));
    },
  });
  return canvas.encodeSync('png');
}

/**
 * The figure as a standalone SVG document (title and alt text in <title> and <desc>); at a paper
 * size, as wide as printed (in pt, the drawing scaled by its viewBox) unless `printed` is false.
 */
export function renderSvg(figure: AnyFigure, options: { printed?: boolean } = {}): string {
  const surface = new SvgSurface(figure.width, figure.height);
  if (figure.kind === 'neighbours') {
    drawStrip(figure, { ctx: surface.context, raster: crisp(surface.context) });
  } else if (figure.kind !== 'case') {
    drawChart(figure.config, surface, 1, () => undefined);
  } else {
    const ctx = surface.context;
    drawPanel(figure, {
      ctx,
      raster: (source, x, y, w, h) => {
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(source, x, y, w, h);
        ctx.imageSmoothingEnabled = true;
      },
      chart: (x, y, w, h) => {
        const sub = new SvgSurface(w, h);
        drawChart(figure.boxplots, sub, 1, () => ctx.drawImage(sub, x, y, w, h));
      },
    });
  }
  const printed = options.printed === false ? undefined : printedOf(figure);
  return surface.toSvg({ title: figure.title, desc: figure.alt, printed });
}

/** The figure's bytes in a format (scale: PNG only, at the screen's size; a paper size's PNG is 300 dpi). */
export async function renderFigure(figure: AnyFigure, format: FigureFormat, scale = 1): Promise<Buffer> {
  switch (format) {
    case 'png':
      return png(figure, checkScale(scale));
    case 'svg':
      return Buffer.from(renderSvg(figure), 'utf8');
    case 'pdf': {
      // 1 SVG pixel = 1 point, or the printed size in points
      const printed = printedOf(figure);
      return svgToPdf(renderSvg(figure, { printed: false }), {
        drawing: { width: figure.width, height: figure.height },
        page: printed ?? { width: figure.width, height: figure.height },
        title: figure.title,
      });
    }
  }
}
