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
  'case',
] as const;
export type FigureKind = (typeof FIGURE_KINDS)[number];

/** Any chart.js configuration (the figure builders each make one of a known type). */
export type AnyChartConfiguration = ChartConfiguration<ChartType, unknown[], unknown>;

/** A chart figure: what the screen draws and what Node exports (PNG, SVG, PDF). */
export interface ChartFigure {
  kind: Exclude<FigureKind, 'case'>;
  config: AnyChartConfiguration;
  /** CSS pixels at scale 1. */
  width: number;
  height: number;
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
