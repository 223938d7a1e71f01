/**
 * Boxplots as chart.js configurations (the boxplot controller of @sgratzl/chartjs-chart-boxplot,
 * registered by whoever draws), built by pure functions from stored Tukey statistics — never
 * recomputed from raw values here — so the app and Node draw the same figure.
 *
 * - `caseBoxplotChart`: the seed's figure, one image's T sampled probabilities per class, one
 *   series per run, the mean probability as a marker and, optionally, the stored samples as a
 *   light jitter (the case view draws one run per card; the export draws them all);
 * - `classBoxplotChart`: a run's test set, per true class, each class's probability.
 */
import type { BoxPlotDataPoint } from '@sgratzl/chartjs-chart-boxplot';
import type { ChartConfiguration } from 'chart.js';
import type { CaseDetail } from '../contract';
import { legendLabels, paletteColour } from './style';

/** Tukey statistics as the contract carries them: [low whisker, q1, median, q3, high whisker] and outliers. */
export interface TukeyStats {
  stats: readonly [number, number, number, number, number];
  out: readonly number[];
}

export type BoxPoint = Exclude<BoxPlotDataPoint, number[]>;
export type BoxplotConfiguration = ChartConfiguration<'boxplot', (BoxPoint | null)[], string>;

interface BoxSeries {
  label: string;
  /** The box's fill and line colour. */
  colour: string;
  /** One per category (null: nothing to draw there). */
  boxes: readonly (TukeyStats | null)[];
  /** Optional mean per category, drawn as a marker. */
  means?: readonly (number | null)[];
  /** Optional raw points per category, drawn as a light jitter. */
  items?: readonly (readonly number[] | null)[] | undefined;
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
function boxplotChart(options: {
  categories: readonly string[];
  series: readonly BoxSeries[];
  xTitle: string;
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
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'category', title: { display: true, text: options.xTitle } },
        y: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'probability' } },
      },
      plugins: {
        legend: { display: options.legend, position: 'bottom', labels: legendLabels() },
      },
    },
  };
}

/** What the seed's figure reads of a case's run. */
export type BoxplotRun = Pick<
  CaseDetail['runs'][number],
  'runId' | 'runLabel' | 'runColour' | 'samples' | 'probabilities' | 'boxplots'
>;

/** One run's box of class k: its Tukey statistics, or a flat box at the probability (a deterministic run, one sample). */
function caseBox(run: BoxplotRun, k: number): TukeyStats {
  const p = run.probabilities[k] ?? 0;
  return run.boxplots?.[k] ?? { stats: [p, p, p, p, p], out: [] };
}

export interface CaseBoxplotOptions {
  /** Draw only this run's series. */
  runId?: number | undefined;
  /** Stored samples by run id, per class (see `samplesByClass`), drawn beside the boxes. */
  samples?: ReadonlyMap<number, readonly (readonly number[])[]> | undefined;
  /** The legend under the chart (default: shown). */
  legend?: boolean | undefined;
}

/**
 * The seed's figure for one image: per class and run, the T sampled probabilities as a box (from
 * the stored statistics), the run's mean probability as a ◆ marker, and the samples themselves
 * where given. Each run in its own colour.
 */
export function caseBoxplotChart(
  detail: { classes: readonly string[]; runs: readonly BoxplotRun[] },
  options: CaseBoxplotOptions = {},
): BoxplotConfiguration {
  const series = detail.runs.flatMap((run) =>
    options.runId !== undefined && run.runId !== options.runId
      ? []
      : [
          {
            label: `${run.runLabel}${run.samples > 1 ? ` (T ${run.samples})` : ''}`,
            colour: run.runColour,
            boxes: detail.classes.map((_, k) => caseBox(run, k)),
            means: detail.classes.map((_, k) => run.probabilities[k] ?? null),
            items: options.samples?.get(run.runId),
          },
        ],
  );
  return boxplotChart({ categories: detail.classes, series, xTitle: 'class', legend: options.legend ?? true });
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
    // one colour per class here, from the same colour-blind-safe palette
    series: input.classes.map((name, k) => ({
      label: `p(${name})`,
      colour: paletteColour(k),
      boxes: input.groups.map((g) => g.boxplots?.[k] ?? null),
    })),
    xTitle: 'true class (test images)',
    legend: true,
  });
}

/** Sample-major T × K values → K arrays of T values. */
export function samplesByClass(values: readonly number[], samples: number, classes: number): number[][] {
  return Array.from({ length: classes }, (_, k) =>
    Array.from({ length: samples }, (_, t) => values[t * classes + k] ?? 0),
  );
}
