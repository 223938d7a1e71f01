/**
 * The metric comparison: a bar per run for each metric, split by direction — the metrics where
 * higher is better (accuracy, AUCs) on the left against the left axis, those where lower is better
 * (ECE, Brier, AURC) on the right against their own axis, so a small ECE is not read on the scale
 * of an accuracy and "taller" never means better on one side and worse on the other.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { RunMetrics } from '../contract';
import { intervalsPlugin, type ComparedMetricKey, type DatasetIntervals, type Interval } from './intervals';
import type { DrawContext } from './matrix';
import { COMMON_OPTIONS, legendLabels } from './style';

export type BarConfiguration = ChartConfiguration<'bar', (number | null)[]>;

export interface ComparedMetrics {
  label: string;
  colour: string;
  metrics: RunMetrics;
  /** Optional intervals per metric (e.g. 95 % bootstrap intervals), drawn as error bars. */
  intervals?: Partial<Record<ComparedMetricKey, Interval | null>> | undefined;
}

export interface ComparedMetric {
  key: ComparedMetricKey;
  name: string;
  better: 'higher' | 'lower';
  value: (m: RunMetrics) => number;
}

/** The metrics compared, each in [0, 1]: higher is better for the first three, lower for the rest. */
export const COMPARED_METRICS: readonly ComparedMetric[] = [
  { key: 'accuracy', name: 'accuracy ↑', better: 'higher', value: (m) => m.accuracy },
  { key: 'aucHandTill', name: 'AUC (Hand–Till) ↑', better: 'higher', value: (m) => m.aucHandTill },
  { key: 'aucSeedStyle', name: 'AUC (seed-style) ↑', better: 'higher', value: (m) => m.aucSeedStyle },
  { key: 'ece', name: 'ECE ↓', better: 'lower', value: (m) => m.ece },
  { key: 'brier', name: 'Brier ↓', better: 'lower', value: (m) => m.brier },
  { key: 'aurc', name: 'AURC ↓', better: 'lower', value: (m) => m.aurc },
];

/** The axis of each direction: the left one for "higher is better", the right one for "lower". */
export const METRIC_AXES = { higher: 'y', lower: 'yLower' } as const;

interface SplitChart {
  ctx: unknown;
  chartArea: { top: number; bottom: number };
  scales: Record<string, { getPixelForValue(value: number): number } | undefined>;
}

/** A dashed line between the last "higher" metric and the first "lower" one. */
function dividerPlugin(at: number): Plugin {
  return {
    id: 'metricDirections',
    afterDatasetsDraw(chart) {
      const { chartArea, scales } = chart as unknown as SplitChart;
      const x = scales.x;
      if (!x || at <= 0) return;
      const ctx = (chart as unknown as SplitChart).ctx as DrawContext & {
        beginPath(): void;
        moveTo(x: number, y: number): void;
        lineTo(x: number, y: number): void;
        stroke(): void;
        setLineDash(segments: number[]): void;
      };
      const middle = (x.getPixelForValue(at - 1) + x.getPixelForValue(at)) / 2;
      ctx.save();
      ctx.strokeStyle = '#8b929c';
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(middle, chartArea.top);
      ctx.lineTo(middle, chartArea.bottom);
      ctx.stroke();
      ctx.restore();
    },
  };
}

interface PairedChart {
  data: { datasets: readonly { label?: string }[] };
  isDatasetVisible(index: number): boolean;
  setDatasetVisibility(index: number, visible: boolean): void;
  update(): void;
}

export function metricsChart(runs: readonly ComparedMetrics[]): BarConfiguration {
  const ordered = [
    ...COMPARED_METRICS.filter((m) => m.better === 'higher'),
    ...COMPARED_METRICS.filter((m) => m.better === 'lower'),
  ];
  const values = (run: ComparedMetrics, better: ComparedMetric['better']) =>
    ordered.map((metric) => {
      const value = metric.value(run.metrics);
      return metric.better === better && Number.isFinite(value) ? value : null;
    });
  // two data sets per run, one per direction (each on its axis); the legend lists the first
  const datasets = runs.flatMap((run) =>
    (['higher', 'lower'] as const).map((better) => ({
      label: run.label,
      data: values(run, better),
      yAxisID: METRIC_AXES[better],
      backgroundColor: run.colour,
      borderColor: run.colour,
      borderWidth: 0,
      // a bar only where the metric is on this data set's axis, as wide as if the other were not there
      skipNull: true,
    })),
  );
  const intervals: DatasetIntervals[] = runs.flatMap((run, r) =>
    (['higher', 'lower'] as const).map((better, side) => ({
      datasetIndex: r * 2 + side,
      style: 'bars' as const,
      colour: '#1f2328',
      intervals: ordered.map((metric) => (metric.better === better ? (run.intervals?.[metric.key] ?? null) : null)),
    })),
  );
  const lowerMax = Math.max(
    0,
    ...runs.flatMap((run) =>
      ordered
        .filter((m) => m.better === 'lower')
        .flatMap((m) => [m.value(run.metrics), run.intervals?.[m.key]?.hi ?? 0].filter(Number.isFinite)),
    ),
  );
  return {
    type: 'bar',
    data: { labels: ordered.map((metric) => metric.name), datasets },
    options: {
      ...COMMON_OPTIONS,
      parsing: undefined,
      normalized: undefined,
      scales: {
        x: {
          type: 'category',
          title: { display: true, text: 'metric' },
          // "AUC (Hand–Till) ↑" on two lines, upright where they fit (slanted in a paper's column)
          ticks: {
            autoSkip: false,
            callback: (_value: string | number, index: number) => {
              const name = ordered[index]?.name ?? '';
              return name.includes(' (') ? name.split(/ (?=\()/) : name;
            },
          },
        },
        [METRIC_AXES.higher]: {
          type: 'linear',
          position: 'left',
          min: 0,
          max: 1,
          title: { display: true, text: 'higher is better ↑' },
        },
        [METRIC_AXES.lower]: {
          type: 'linear',
          position: 'right',
          min: 0,
          // the lower-is-better metrics on a scale of their own (a nice step above the largest)
          max: lowerMax > 0 ? Math.min(1, Math.ceil((lowerMax * 1.1) / 0.05) * 0.05) : 1,
          title: { display: true, text: 'lower is better ↓' },
          grid: { drawOnChartArea: false },
        },
      },
      plugins: {
        legend: {
          position: 'bottom',
          labels: legendLabels((item) => (item.datasetIndex ?? 0) % 2 === 0),
          // a run's entry shows or hides both of its data sets
          onClick: (_event: unknown, item: { datasetIndex?: number }, legend: { chart: unknown }) => {
            const chart = legend.chart as PairedChart;
            const first = (item.datasetIndex ?? 0) - ((item.datasetIndex ?? 0) % 2);
            const visible = !chart.isDatasetVisible(first);
            chart.setDatasetVisibility(first, visible);
            chart.setDatasetVisibility(first + 1, visible);
            chart.update();
          },
        },
      },
    },
    plugins: [dividerPlugin(ordered.filter((m) => m.better === 'higher').length), intervalsPlugin(intervals)],
  };
}
