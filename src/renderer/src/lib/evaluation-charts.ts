/**
 * The evaluation's charts as chart.js configurations plus the points each plots, so the one
 * chart component only creates, fills and destroys.
 */
import type { RunMetrics } from '../../../shared/contract';
import { SERIES_COLOURS, type ChartConfiguration } from './charts';

/** y is null where there is nothing to draw (an empty reliability bin). */
export type Point = { x: number; y: number | null };
export type EvaluationChartKind = 'reliability' | 'risk-coverage' | 'convergence';
export type EvaluationChartConfiguration = ChartConfiguration<'bar' | 'line', Point[]>;

const DIAGONAL: Point[] = [
  { x: 0, y: 0 },
  { x: 1, y: 1 },
];

/**
 * Accuracy per confidence bin, at the bin's middle. Empty bins keep their place with a null (not
 * drawn), so every bar is as wide as its bin whatever bins are missing.
 */
export function reliabilityPoints(metrics: RunMetrics): Point[] {
  return metrics.reliability.map((bin) => ({
    x: (bin.lower + bin.upper) / 2,
    y: bin.count > 0 ? bin.accuracy : null,
  }));
}

/** Each series' points, in the order of the configuration's datasets. */
export function chartSeries(kind: EvaluationChartKind, metrics: RunMetrics): Point[][] {
  switch (kind) {
    case 'reliability':
      return [reliabilityPoints(metrics), DIAGONAL];
    case 'risk-coverage':
      return [metrics.riskCoverage.map(({ coverage, risk }) => ({ x: coverage, y: risk }))];
    case 'convergence':
      return [metrics.convergence.map(({ samples, standardError }) => ({ x: samples, y: standardError }))];
  }
}

const axis = (text: string, min?: number, max?: number) => ({
  type: 'linear' as const,
  title: { display: true, text },
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});

const line = (label: string, colour: string, dashed = false) => ({
  type: 'line' as const,
  label,
  data: [] as Point[],
  borderColor: colour,
  backgroundColor: colour,
  borderWidth: dashed ? 1.5 : 2,
  borderDash: dashed ? [5, 4] : [],
  pointRadius: dashed ? 0 : 1.5,
  tension: 0,
});

/** A fresh configuration with empty series (filled by `chartSeries`). */
export function chartConfiguration(kind: EvaluationChartKind): EvaluationChartConfiguration {
  const common = {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false as const,
    normalized: true,
    plugins: { legend: { position: 'bottom' as const, labels: { boxWidth: 12 } } },
  };
  switch (kind) {
    case 'reliability':
      return {
        type: 'bar',
        data: {
          datasets: [
            {
              type: 'bar',
              label: 'accuracy per confidence bin',
              data: [],
              backgroundColor: `${SERIES_COLOURS.train}99`,
              borderColor: SERIES_COLOURS.train,
              borderWidth: 1,
              // a bar as wide as its bin
              barPercentage: 1,
              categoryPercentage: 1,
            },
            line('perfect calibration', SERIES_COLOURS.reference, true),
          ],
        },
        options: {
          ...common,
          scales: {
            x: { ...axis('confidence', 0, 1), offset: false, ticks: { stepSize: 0.2 } },
            y: axis('accuracy', 0, 1),
          },
        },
      };
    case 'risk-coverage':
      return {
        type: 'line',
        data: { datasets: [line('risk (error rate among the most confident)', SERIES_COLOURS.validation)] },
        options: { ...common, scales: { x: axis('coverage', 0, 1), y: { ...axis('risk'), suggestedMin: 0 } } },
      };
    case 'convergence':
      return {
        type: 'line',
        data: { datasets: [line('mean MC standard error', SERIES_COLOURS.train)] },
        options: {
          ...common,
          scales: {
            x: { type: 'logarithmic', title: { display: true, text: 'samples per image (T)' } },
            y: { ...axis('standard error'), suggestedMin: 0 },
          },
        },
      };
  }
}
