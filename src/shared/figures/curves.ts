/**
 * Learning curves: one run's training and validation series, or many runs overlaid, one colour
 * per run (training dashed, validation solid; a smoothed curve with the raw one faint behind).
 */
import type { ChartConfiguration } from 'chart.js';
import type { EpochMetrics } from '../contract';
import { logAxis } from './axes';
import {
  intervalsPlugin,
  type DatasetIntervals,
  type EpochIntervals,
  type Interval,
  type RunIntervals,
} from './intervals';
import { COMMON_OPTIONS, SERIES_COLOURS, legendLabels, type Point } from './style';

export type LineConfiguration = ChartConfiguration<'line', Point[]>;
export type CurveMetric = 'loss' | 'accuracy';

export interface CurveRun {
  runId: number;
  /** The legend's name of the run (default "#id"). */
  label?: string;
  colour: string;
  epochs: readonly EpochMetrics[];
  /** Optional intervals per epoch (e.g. over a group's seeds), drawn as bands. */
  intervals?: RunIntervals | null | undefined;
}

/**
 * TensorBoard's smoothing: an exponential moving average with weight w ∈ [0, 1), debiased so the
 * first points are not pulled towards 0. Missing values stay missing and are skipped.
 */
export function ema(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return [...values];
  const w = Math.min(weight, 0.999);
  let last = 0;
  let seen = 0;
  return values.map((value) => {
    if (value === null || !Number.isFinite(value)) return null;
    last = last * w + (1 - w) * value;
    seen += 1;
    return last / (1 - w ** seen);
  });
}

export const RAW_SUFFIX = ' (raw)';

const common = {
  ...COMMON_OPTIONS,
  interaction: { mode: 'nearest' as const, axis: 'x' as const, intersect: false },
};

const legend = {
  position: 'bottom' as const,
  // the faint raw curves are not listed: their smoothed curves are
  labels: legendLabels((item: { text: string }) => !item.text.endsWith(RAW_SUFFIX)),
};

export function line(
  label: string,
  colour: string,
  data: Point[],
  options: { dashed?: boolean; faint?: boolean } = {},
) {
  return {
    label,
    data,
    borderColor: options.faint ? `${colour}40` : colour,
    backgroundColor: options.faint ? `${colour}40` : colour,
    borderWidth: options.faint ? 1 : 2,
    borderDash: options.dashed ? [6, 4] : [],
    pointRadius: options.faint ? 0 : 2,
    tension: 0,
    spanGaps: true,
  };
}

export interface CurveOptions {
  metric: CurveMetric;
  /** EMA weight in [0, 1); 0 draws the raw values only. */
  smoothing: number;
  /** A logarithmic y axis (for losses). */
  log: boolean;
  /** The x axis runs to this epoch in every curve chart, so charts line up. */
  maxEpoch: number;
}

const trainValue = (epoch: EpochMetrics, metric: CurveMetric): number =>
  metric === 'loss' ? epoch.loss : epoch.accuracy;
const heldValue = (epoch: EpochMetrics, metric: CurveMetric): number | null =>
  metric === 'loss' ? epoch.valLoss : epoch.valAccuracy;

function yAxis(metric: CurveMetric, log: boolean) {
  return log && metric === 'loss'
    ? logAxis(`${metric} (log scale)`)
    : {
        type: 'linear' as const,
        title: { display: true, text: metric },
        ...(metric === 'accuracy' ? { min: 0, max: 1 } : { suggestedMin: 0 }),
      };
}

/** An epoch's interval of a series (training or validation) of a metric. */
const epochInterval = (
  intervals: EpochIntervals | null | undefined,
  metric: CurveMetric,
  held: boolean,
): Interval | null =>
  (metric === 'loss'
    ? held
      ? intervals?.valLoss
      : intervals?.loss
    : held
      ? intervals?.valAccuracy
      : intervals?.accuracy) ?? null;

/** Training and validation curves of every run, one colour per run (intervals, when given, as bands). */
export function curveChart(runs: readonly CurveRun[], options: CurveOptions): LineConfiguration {
  const { metric, smoothing, log, maxEpoch } = options;
  const datasets: ReturnType<typeof line>[] = [];
  const bands: DatasetIntervals[] = [];
  for (const { runId, label = `#${runId}`, colour, epochs, intervals } of runs) {
    const xs = epochs.map((epoch) => epoch.epoch);
    const train = epochs.map((epoch) => trainValue(epoch, metric));
    const held = epochs.map((epoch) => heldValue(epoch, metric));
    const points = (ys: readonly (number | null)[]): Point[] => ys.map((y, i) => ({ x: xs[i] ?? i + 1, y }));
    const series = [
      { name: `${label} ${metric}`, ys: train, dashed: true, isHeld: false },
      { name: `${label} val_${metric}`, ys: held, dashed: false, isHeld: true },
    ].filter((s) => s.ys.some((y) => y !== null));
    for (const { name, ys, dashed, isHeld } of series) {
      if (smoothing > 0) datasets.push(line(`${name}${RAW_SUFFIX}`, colour, points(ys), { dashed, faint: true }));
      bands.push({
        datasetIndex: datasets.length,
        style: 'band',
        colour,
        intervals: epochs.map((_, i) => epochInterval(intervals?.epochs?.[i], metric, isHeld)),
      });
      datasets.push(line(name, colour, points(smoothing > 0 ? ema(ys, smoothing) : ys), { dashed }));
    }
  }
  return {
    plugins: [intervalsPlugin(bands)],
    type: 'line',
    data: { datasets },
    options: {
      ...common,
      scales: {
        x: {
          type: 'linear',
          title: { display: true, text: 'epoch' },
          ticks: { precision: 0 },
          min: 1,
          max: Math.max(2, maxEpoch),
        },
        y: yAxis(metric, log),
      },
      plugins: { legend },
    },
  };
}

/** One run's curve of a metric: training (blue) and validation (orange), as on the run's page. */
export function runCurveChart(
  epochs: readonly EpochMetrics[],
  metric: CurveMetric,
  options: { log?: boolean; intervals?: RunIntervals | null | undefined } = {},
): LineConfiguration {
  const series = (label: string, colour: string, data: Point[]) => ({
    label,
    data,
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 2,
    pointRadius: 2.5,
    tension: 0,
    spanGaps: true,
  });
  const held = epochs.flatMap((epoch) => {
    const y = heldValue(epoch, metric);
    return y === null ? [] : [{ x: epoch.epoch, y }];
  });
  return {
    type: 'line',
    data: {
      datasets: [
        series(
          metric,
          SERIES_COLOURS.train,
          epochs.map((epoch) => ({ x: epoch.epoch, y: trainValue(epoch, metric) })),
        ),
        series(`val_${metric}`, SERIES_COLOURS.validation, held),
      ],
    },
    plugins: [
      intervalsPlugin(
        ([false, true] as const).map((isHeld, datasetIndex) => ({
          datasetIndex,
          style: 'band' as const,
          colour: isHeld ? SERIES_COLOURS.validation : SERIES_COLOURS.train,
          // the validation series leaves out epochs without a value: its intervals follow
          intervals: epochs.flatMap((epoch, i) =>
            isHeld && heldValue(epoch, metric) === null
              ? []
              : [epochInterval(options.intervals?.epochs?.[i], metric, isHeld)],
          ),
        })),
      ),
    ],
    options: {
      ...common,
      scales: {
        x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 }, suggestedMin: 1 },
        y:
          options.log && metric === 'loss'
            ? yAxis(metric, true)
            : {
                type: 'linear',
                title: { display: true, text: metric },
                ...(metric === 'accuracy' ? { suggestedMin: 0, suggestedMax: 1 } : { suggestedMin: 0 }),
              },
      },
      plugins: { legend: { position: 'bottom', labels: legendLabels() } },
    },
  };
}

/** How many points the chart draws, reference lines and faint raw curves left out (for tests). */
export function drawnPoints(configuration: {
  data: { datasets: readonly { label?: string; data: unknown[] }[] };
}): number {
  return configuration.data.datasets
    .filter((dataset) => !dataset.label?.endsWith(RAW_SUFFIX) && dataset.label !== 'perfect calibration')
    .reduce(
      (sum, dataset) =>
        sum +
        dataset.data.filter((point) => point !== null && typeof point === 'object' && 'y' in point && point.y !== null)
          .length,
      0,
    );
}
