/**
 * The comparison's charts as complete chart.js configurations (data included), built by pure
 * functions: many runs in one chart, one colour per run. Training series are dashed, validation
 * series solid; the raw curve stays faintly behind a smoothed one.
 */
import type { EpochMetrics, RunMetrics } from '../../../shared/contract';
import { SERIES_COLOURS, type ChartConfiguration } from './charts';

export type Point = { x: number; y: number | null };
export type LineConfiguration = ChartConfiguration<'line', Point[]>;

export interface CurveRun {
  runId: number;
  colour: string;
  epochs: readonly EpochMetrics[];
}

export interface EvaluatedRun {
  runId: number;
  colour: string;
  metrics: RunMetrics;
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

const RAW_SUFFIX = ' (raw)';

const common = {
  animation: false as const,
  responsive: true,
  maintainAspectRatio: false,
  parsing: false as const,
  normalized: true,
  interaction: { mode: 'nearest' as const, axis: 'x' as const, intersect: false },
};

const legend = {
  position: 'bottom' as const,
  labels: {
    boxWidth: 18,
    boxHeight: 1,
    // the faint raw curves are not listed: their smoothed curves are
    filter: (item: { text: string }) => !item.text.endsWith(RAW_SUFFIX),
  },
};

function line(label: string, colour: string, data: Point[], options: { dashed?: boolean; faint?: boolean } = {}) {
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
  metric: 'loss' | 'accuracy';
  /** EMA weight in [0, 1); 0 draws the raw values only. */
  smoothing: number;
  /** A logarithmic y axis (for losses). */
  log: boolean;
  /** The x axis runs to this epoch in every curve chart, so charts line up. */
  maxEpoch: number;
}

/** Training and validation curves of every run, one colour per run. */
export function curveChart(runs: readonly CurveRun[], options: CurveOptions): LineConfiguration {
  const { metric, smoothing, log, maxEpoch } = options;
  const datasets = runs.flatMap(({ runId, colour, epochs }) => {
    const xs = epochs.map((epoch) => epoch.epoch);
    const train = epochs.map((epoch) => (metric === 'loss' ? epoch.loss : epoch.accuracy));
    const held = epochs.map((epoch) => (metric === 'loss' ? epoch.valLoss : epoch.valAccuracy));
    const points = (ys: readonly (number | null)[]): Point[] => ys.map((y, i) => ({ x: xs[i] ?? i + 1, y }));
    const series = [
      { name: `#${runId} ${metric}`, ys: train, dashed: true },
      { name: `#${runId} val_${metric}`, ys: held, dashed: false },
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
  const y =
    log && metric === 'loss'
      ? { type: 'logarithmic' as const, title: { display: true, text: `${metric} (log scale)` } }
      : {
          type: 'linear' as const,
          title: { display: true, text: metric },
          ...(metric === 'accuracy' ? { min: 0, max: 1 } : { suggestedMin: 0 }),
        };
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
        y,
      },
      plugins: { legend },
    },
  };
}

const DIAGONAL: Point[] = [
  { x: 0, y: 0 },
  { x: 1, y: 1 },
];

const unit = (text: string) => ({ type: 'linear' as const, title: { display: true, text }, min: 0, max: 1 });

/**
 * Reliability diagrams overlaid: each run's accuracy against its mean confidence per non-empty bin
 * (lines, since overlaid bars would hide each other), and the diagonal of perfect calibration.
 */
export function reliabilityChart(runs: readonly EvaluatedRun[]): LineConfiguration {
  return {
    type: 'line',
    data: {
      datasets: [
        ...runs.map(({ runId, colour, metrics }) =>
          line(
            `#${runId}`,
            colour,
            metrics.reliability
              .filter((bin) => bin.count > 0 && bin.accuracy !== null)
              .map((bin) => ({ x: bin.meanConfidence ?? (bin.lower + bin.upper) / 2, y: bin.accuracy })),
          ),
        ),
        { ...line('perfect calibration', SERIES_COLOURS.reference, DIAGONAL, { dashed: true }), pointRadius: 0 },
      ],
    },
    options: { ...common, scales: { x: unit('confidence'), y: unit('accuracy') }, plugins: { legend } },
  };
}

/** Risk–coverage curves overlaid: the error rate among the most confident share of the test set. */
export function riskCoverageChart(runs: readonly EvaluatedRun[]): LineConfiguration {
  return {
    type: 'line',
    data: {
      datasets: runs.map(({ runId, colour, metrics }) => ({
        ...line(
          `#${runId}`,
          colour,
          metrics.riskCoverage.map(({ coverage, risk }) => ({ x: coverage, y: risk })),
        ),
        pointRadius: 0,
      })),
    },
    options: {
      ...common,
      scales: {
        x: unit('coverage'),
        y: { type: 'linear', title: { display: true, text: 'risk (error rate)' }, suggestedMin: 0 },
      },
      plugins: { legend },
    },
  };
}

/** How many points the chart draws, reference lines and faint raw curves left out (for tests). */
export function drawnPoints(configuration: LineConfiguration): number {
  return configuration.data.datasets
    .filter((dataset) => !dataset.label?.endsWith(RAW_SUFFIX) && dataset.label !== 'perfect calibration')
    .reduce((sum, dataset) => sum + dataset.data.filter((point) => point.y !== null).length, 0);
}
