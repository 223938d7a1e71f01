/**
 * Figures: one chart (or a case panel) of some runs, described (title, caption, alt text) or
 * exported (PNG at a scale, SVG, PDF) by the main side's renderer, the same one the CLI uses.
 */
import { z } from 'zod';
import { FIGURE_KINDS, FIGURE_SIZES } from '../figures/types';
import { COLORMAPS } from '../heatmap';
import { Id, Split, type RequestSpec } from './common';
import { MAP_COLOUR_BY } from './maps';

export const FigureKindName = z.enum(FIGURE_KINDS);
export const FigureFormatName = z.enum(['png', 'svg', 'pdf']);
export type FigureFormatName = z.infer<typeof FigureFormatName>;
export const MAX_CAPTION_LENGTH = 4000;

export const FigureRequest = z.object({
  kind: FigureKindName,
  /** The runs it shows, in order (one colour each); confusion shows the first. With `groups`, may be empty. */
  runIds: z.array(Id).max(8, 'at most 8 runs in a figure').default([]),
  /**
   * Seed groups it shows after the runs, each named by any of its runs' ids (learning curves only):
   * one line per series, the mean over the group's seeds per epoch, with a min–max band over them.
   */
  groups: z.array(Id).max(8, 'at most 8 groups in a figure').optional(),
  /** The image of a boxplots figure or a case panel. */
  image: z.object({ split: Split.default('test'), index: z.number().int().nonnegative() }).optional(),
  /** Learning curves: which metric. */
  metric: z.enum(['loss', 'accuracy']).default('loss'),
  /** Learning curves of the loss: a logarithmic y axis (as the screen's "log-scale loss"). */
  log: z.boolean().optional(),
  /** The case panel: the Grad-CAM overlay as the screen shows it (default: the seed's viridis at 35 %). */
  overlay: z
    .object({ colormap: z.enum(COLORMAPS), opacity: z.number().min(0, 'opacity: 0 to 1').max(1, 'opacity: 0 to 1') })
    .optional(),
  /** The embedding map: what colours its points (default the true class), and the tag for `colourBy: 'tag'`. */
  colourBy: z.enum(MAP_COLOUR_BY).optional(),
  tag: z.string().min(1).max(40).optional(),
  /** As on screen (default), or a paper's column (3.25 in, 8 pt text) or page (6.75 in, 9 pt) width. */
  size: z.enum(FIGURE_SIZES).optional(),
  /** Replace the generated caption or alt text (empty: keep the generated one). */
  caption: z.string().max(MAX_CAPTION_LENGTH).optional(),
  alt: z.string().max(MAX_CAPTION_LENGTH).optional(),
});
export type FigureRequest = z.input<typeof FigureRequest>;
export type FigureRequestArgs = z.output<typeof FigureRequest>;

export const FigureDescription = z.object({
  title: z.string(),
  caption: z.string(),
  alt: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type FigureDescription = z.infer<typeof FigureDescription>;

export const ExportFigureRequest = FigureRequest.extend({
  format: FigureFormatName,
  /** PNG: pixels per CSS pixel (a 2× PNG has twice the pixels each way); a paper size's PNG is 300 dpi. */
  scale: z.number().int().min(1).max(3).default(1),
});
export type ExportFigureRequest = z.input<typeof ExportFigureRequest>;

export const ExportedFigure = FigureDescription.extend({
  fileName: z.string(),
  mimeType: z.string(),
  /** The file's bytes, base64. */
  base64: z.string(),
});
export type ExportedFigure = z.infer<typeof ExportedFigure>;

export const figureRequests = {
  /** A figure's generated title, caption and alt text (to edit before exporting). */
  describeFigure: { input: FigureRequest, output: FigureDescription },
  /** A figure rendered by the main side (the CLI's renderer): PNG, SVG or vector PDF. */
  exportFigure: { input: ExportFigureRequest, output: ExportedFigure },
} as const satisfies Record<string, RequestSpec>;
