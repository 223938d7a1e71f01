/**
 * Renders a figure (a chart figure or a case panel) as PNG at scale 1, 2 or 3, as SVG (text kept
 * as text) or as vector PDF (the SVG through pdfkit), from its one definition.
 */
import { createCanvas } from '@napi-rs/canvas';
import type { CasePanel, ChartFigure } from '../../../shared/figures';
import { drawChart } from './chart';
import { drawPanel } from './panel';
import { svgToPdf } from './pdf';
import { SvgSurface } from './svg-context';

export const FIGURE_FORMATS = ['png', 'svg', 'pdf'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];
export type AnyFigure = ChartFigure | CasePanel;

export const MIME_TYPES: Record<FigureFormat, string> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
};

export function checkScale(scale: number): number {
  if (!Number.isInteger(scale) || scale < 1 || scale > 4) throw new Error(`scale: 1, 2, 3 or 4, not ${scale}`);
  return scale;
}

function png(figure: AnyFigure, scale: number): Buffer {
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

/** The figure as a standalone SVG document (title and alt text in <title> and <desc>). */
export function renderSvg(figure: AnyFigure): string {
  const surface = new SvgSurface(figure.width, figure.height);
  if (figure.kind !== 'case') {
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
  return surface.toSvg({ title: figure.title, desc: figure.alt });
}

/** The figure's bytes in a format (scale: PNG only). */
export async function renderFigure(figure: AnyFigure, format: FigureFormat, scale = 1): Promise<Buffer> {
  switch (format) {
    case 'png':
      return png(figure, checkScale(scale));
    case 'svg':
      return Buffer.from(renderSvg(figure), 'utf8');
    case 'pdf':
      return svgToPdf(renderSvg(figure), figure.width, figure.height, figure.title);
  }
}
