/** What a figure is: a chart.js configuration with its size and words, built from data by a pure function. */
import type { ChartConfiguration, ChartType } from 'chart.js';
import type { EpochMetrics, ExplanationSummary, RunMetrics, RunSummary } from '../contract';
import type { RunIntervals } from './intervals';

export const FIGURE_KINDS = [
  'curves',
  'metrics',
  'reliability',
  'risk-coverage',
  'confusion',
  'boxplots',
  'class-boxplots',
  'convergence',
  'map',
  'case',
] as const;
export type FigureKind = (typeof FIGURE_KINDS)[number];

/**
 * Sizes a figure is made at: as on screen, or at a paper's column (3.25 in) or page (two columns,
 * 6.75 in) width with its text at the paper's size (8 and 9 pt).
 */
export const FIGURE_SIZES = ['screen', 'column', 'page'] as const;
export type FigureSize = (typeof FIGURE_SIZES)[number];

/** A paper size: the printed width in points (72 a inch) and the text's size in points. */
export const PAPER_SIZES = {
  column: { width: 234, fontSize: 8 },
  page: { width: 486, fontSize: 9 },
} as const satisfies Record<Exclude<FigureSize, 'screen'>, { width: number; fontSize: number }>;

/** The figures' text size in CSS pixels where they are drawn (Node's chart.js default). */
export const FIGURE_FONT_PX = 12;

/** Any chart.js configuration (the figure builders each make one of a known type). */
export type AnyChartConfiguration = ChartConfiguration<ChartType, unknown[], unknown>;

/** A chart figure: what the screen draws and what Node exports (PNG, SVG, PDF). */
export interface ChartFigure {
  kind: Exclude<FigureKind, 'case'>;
  config: AnyChartConfiguration;
  /** CSS pixels at scale 1 (the drawing's size). */
  width: number;
  height: number;
  /** At a paper size: the printed size in points, into which the drawing is scaled. */
  printed?: { size: Exclude<FigureSize, 'screen'>; width: number; height: number; fontSize: number } | undefined;
  title: string;
  caption: string;
  alt: string;
}

/** One run as the figures see it: the run, its dataset's name, its epochs and its current evaluation. */
export interface FigureRun {
  run: RunSummary;
  datasetName: string;
  epochs: readonly EpochMetrics[];
  metrics: RunMetrics | null;
  explanation?: ExplanationSummary | null;
  /** Intervals to draw as error bars and bands (e.g. 95 % bootstrap intervals); none by default. */
  intervals?: RunIntervals | null | undefined;
}

/** A caption and alt text the user typed replace the generated ones. */
export interface FigureText {
  caption?: string | undefined;
  alt?: string | undefined;
}
