/**
 * Learning curves: one run's training and validation series, or many runs overlaid, one colour
 * per run (training dashed, validation solid; a smoothed curve with the raw one faint behind).
 */
import type { ChartConfiguration } from 'chart.js';
import type { EpochMetrics } from '../contract';
import { logAxis } from './axes';
import { COMMON_OPTIONS, SERIES_COLOURS, legendLabels, type Point } from './style';

export type LineConfiguration = ChartConfiguration<'line', Point[]>;
export type CurveMetric = 'loss' | 'accuracy';

export interface CurveRun {
  runId: number;
  /** The legend's name of the run (default "#id"). */
  label?: string;
  colour: string;
  epochs: readonly EpochMetrics[];
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

/** Training and validation curves of every run, one colour per run. */
export function curveChart(runs: readonly CurveRun[], options: CurveOptions): LineConfiguration {
  const { metric, smoothing, log, maxEpoch } = options;
  const datasets = runs.flatMap(({ runId, label = `#${runId}`, colour, epochs }) => {
    const xs = epochs.map((epoch) => epoch.epoch);
    const train = epochs.map((epoch) => trainValue(epoch, metric));
    const held = epochs.map((epoch) => heldValue(epoch, metric));
    const points = (ys: readonly (number | null)[]): Point[] => ys.map((y, i) => ({ x: xs[i] ?? i + 1, y }));
    const series = [
      { name: `${label} ${metric}`, ys: train, dashed: true },
      { name: `${label} val_${metric}`, ys: held, dashed: false },
    ].filter((s) => s.ys.some((y) => y !== null));
    return series.flatMap(({ name, ys, dashed }) =>
      smoothing > 0
        ? [
            line(`${name}${RAW_SUFFIX}`, colour, points(ys), { dashed, faint: true }),
            line(name, colour, points(ema(ys, smoothing)), { dashed }),
          ]
        : [line(name, colour, points(ys), { dashed })],
    );
  });
  return {
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
  options: { log?: boolean } = {},
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
