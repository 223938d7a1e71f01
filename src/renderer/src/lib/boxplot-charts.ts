/**
 * Boxplots as chart.js configurations (the @sgratzl/chartjs-chart-boxplot controller), built by
 * pure functions from stored Tukey statistics — never recomputed from raw values here — so the
 * same configuration can be drawn in the app or, in Node, for a figure.
 *
 * - `caseBoxplotChart`: the seed's figure, one image's T sampled probabilities per class;
 * - `classBoxplotChart`: a run's test set, per true class, each class's probability.
 */
import type { BoxPlotDataPoint } from '@sgratzl/chartjs-chart-boxplot';
import type { ChartConfiguration } from 'chart.js';

/** Tukey statistics as the contract carries them: [low whisker, q1, median, q3, high whisker] and outliers. */
export interface TukeyStats {
  stats: readonly [number, number, number, number, number];
  out: readonly number[];
}

export type BoxPoint = Exclude<BoxPlotDataPoint, number[]>;
export type BoxplotConfiguration = ChartConfiguration<'boxplot', (BoxPoint | null)[], string>;

export interface BoxSeries {
  label: string;
  /** The box's fill and line colour. */
  colour: string;
  /** One per category (null: nothing to draw there). */
  boxes: readonly (TukeyStats | null)[];
  /** Optional mean per category, drawn as a marker. */
  means?: readonly (number | null)[];
  /** Optional raw points per category, drawn as a light jitter. */
  items?: readonly (readonly number[] | null)[];
}

/** The plugin's data point for stored statistics: min/max reach the outliers, whiskers stay Tukey's. */
export function boxPoint(
  box: TukeyStats,
  mean: number | null = null,
  items: readonly number[] | null = null,
): BoxPoint {
  const [whiskerMin, q1, median, q3, whiskerMax] = box.stats;
  const all = [whiskerMin, whiskerMax, ...box.out];
  return {
    min: Math.min(...all),
    max: Math.max(...all),
    whiskerMin,
    q1,
    median,
    q3,
    whiskerMax,
    outliers: [...box.out],
    ...(mean === null ? {} : { mean }),
    ...(items === null ? {} : { items: [...items] }),
  };
}

/** How many boxes a configuration draws (the canvas's `data-points`, for tests). */
export function drawnBoxes(configuration: BoxplotConfiguration): number {
  return configuration.data.datasets.reduce((sum, dataset) => sum + dataset.data.filter((d) => d !== null).length, 0);
}

/** A grouped boxplot: one box per (category, series), y a probability in [0, 1]. */
export function boxplotChart(options: {
  categories: readonly string[];
  series: readonly BoxSeries[];
  yTitle: string;
  legend: boolean;
}): BoxplotConfiguration {
  const withItems = options.series.some((s) => s.items?.some((i) => i !== null && i.length > 0));
  return {
    type: 'boxplot',
    data: {
      labels: [...options.categories],
      datasets: options.series.map((series) => ({
        label: series.label,
        data: options.categories.map((_, k) => {
          const box = series.boxes[k] ?? null;
          return box === null ? null : boxPoint(box, series.means?.[k] ?? null, series.items?.[k] ?? null);
        }),
        backgroundColor: `${series.colour}33`,
        borderColor: series.colour,
        borderWidth: 1.5,
        outlierBackgroundColor: `${series.colour}88`,
        outlierBorderColor: series.colour,
        outlierRadius: 2,
        // the sampled points, when given: small and light, beside the box
        itemRadius: withItems ? 1.2 : 0,
        itemBackgroundColor: `${series.colour}40`,
        itemBorderColor: `${series.colour}00`,
        meanStyle: 'rectRot',
        meanRadius: 4,
        meanBackgroundColor: '#111827',
        meanBorderColor: '#ffffff',
        meanBorderWidth: 1,
        // box statistics are given; nothing is recomputed from items
        coef: 0,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        y: { type: 'linear', min: 0, max: 1, title: { display: true, text: options.yTitle } },
        x: { type: 'category' },
      },
      plugins: {
        legend: { display: options.legend, position: 'bottom', labels: { boxWidth: 12 } },
      },
    },
  };
}

/** One colour per class (by index), the app's accent first. */
export const BOX_COLOURS = ['#2563eb', '#d97706', '#7c3aed', '#0d9488', '#db2777', '#65a30d', '#475569'] as const;
export const colourOf = (k: number): string => BOX_COLOURS[k % BOX_COLOURS.length] ?? '#475569';

/**
 * The seed's figure for one image and run: per class, the T sampled probabilities as a box (from
 * the stored statistics), the mean probability as a marker, and optionally the samples themselves.
 */
export function caseBoxplotChart(input: {
  classes: readonly string[];
  boxplots: readonly TukeyStats[];
  probabilities: readonly number[];
  /** The T samples of each class (from getCaseSamples), when stored and wanted. */
  samples?: readonly (readonly number[])[] | null;
  runLabel: string;
}): BoxplotConfiguration {
  return boxplotChart({
    categories: input.classes,
    series: [
      {
        label: `${input.runLabel}: sampled probability`,
        colour: '#2563eb',
        boxes: input.boxplots,
        means: input.probabilities,
        ...(input.samples ? { items: input.samples } : {}),
      },
    ],
    yTitle: 'probability',
    legend: false,
  });
}

/**
 * A run's test set: one group per true class, one box per class k (the probability of k over the
 * test images of that true class).
 */
export function classBoxplotChart(input: {
  classes: readonly string[];
  groups: readonly { name: string; images: number; boxplots: readonly TukeyStats[] | null }[];
}): BoxplotConfiguration {
  return boxplotChart({
    categories: input.groups.map((g) => `true ${g.name} (${g.images})`),
    series: input.classes.map((name, k) => ({
      label: `p(${name})`,
      colour: colourOf(k),
      boxes: input.groups.map((g) => g.boxplots?.[k] ?? null),
    })),
    yTitle: 'probability',
    legend: true,
  });
}

/** Sample-major T × K values → K arrays of T values. */
export function samplesByClass(values: readonly number[], samples: number, classes: number): number[][] {
  return Array.from({ length: classes }, (_, k) =>
    Array.from({ length: samples }, (_, t) => values[t * classes + k] ?? 0),
  );
}
