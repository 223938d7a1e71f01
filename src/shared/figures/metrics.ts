/** The metric comparison: a bar per run for each metric on the [0, 1] scale. */
import type { ChartConfiguration } from 'chart.js';
import type { RunMetrics } from '../contract';
import { COMMON_OPTIONS, legendLabels } from './style';

export type BarConfiguration = ChartConfiguration<'bar', (number | null)[]>;

export interface ComparedMetrics {
  label: string;
  colour: string;
  metrics: RunMetrics;
}

/** The metrics compared, each in [0, 1]: higher is better for the first three, lower for the rest. */
export const COMPARED_METRICS: readonly { name: string; value: (m: RunMetrics) => number }[] = [
  { name: 'accuracy ↑', value: (m) => m.accuracy },
  { name: 'AUC (Hand–Till) ↑', value: (m) => m.aucHandTill },
  { name: 'AUC (seed-style) ↑', value: (m) => m.aucSeedStyle },
  { name: 'ECE ↓', value: (m) => m.ece },
  { name: 'Brier ↓', value: (m) => m.brier },
  { name: 'AURC ↓', value: (m) => m.aurc },
];

export function metricsChart(runs: readonly ComparedMetrics[]): BarConfiguration {
  return {
    type: 'bar',
    data: {
      labels: COMPARED_METRICS.map((metric) => metric.name),
      datasets: runs.map(({ label, colour, metrics }) => ({
        label,
        data: COMPARED_METRICS.map((metric) => {
          const value = metric.value(metrics);
          return Number.isFinite(value) ? value : null;
        }),
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: 0,
      })),
    },
    options: {
      ...COMMON_OPTIONS,
      parsing: undefined,
      normalized: undefined,
      scales: {
        x: { type: 'category', title: { display: true, text: 'metric' } },
        y: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'value' } },
      },
      plugins: { legend: { position: 'bottom', labels: legendLabels() } },
    },
  };
}
