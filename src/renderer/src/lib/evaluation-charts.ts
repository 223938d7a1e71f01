/**
 * A run's evaluation charts, from the shared figure definitions (src/shared/figures): the same
 * builders `casebook figure` and the export menu use.
 */
import type { RunMetrics } from '../../../shared/contract';
import { convergenceChart, reliabilityBars, riskCoverageChart } from '../../../shared/figures/calibration';
import { SERIES_COLOURS } from '../../../shared/figures/style';
import type { AnyChartConfiguration } from '../../../shared/figures/types';

export type EvaluationChartKind = 'reliability' | 'risk-coverage' | 'convergence';
export { reliabilityPoints } from '../../../shared/figures/calibration';
export type { Point } from '../../../shared/figures/style';

/** The whole chart of one run, data included. */
export function evaluationChart(kind: EvaluationChartKind, metrics: RunMetrics, runId: number): AnyChartConfiguration {
  switch (kind) {
    case 'reliability':
      return reliabilityBars(metrics) as unknown as AnyChartConfiguration;
    case 'risk-coverage':
      return riskCoverageChart([
        { runId, colour: SERIES_COLOURS.validation, metrics },
      ]) as unknown as AnyChartConfiguration;
    case 'convergence':
      return convergenceChart([{ runId, colour: SERIES_COLOURS.train, metrics }]) as unknown as AnyChartConfiguration;
  }
}

/** How many points (or bars) the first series draws. */
export function firstSeriesPoints(configuration: AnyChartConfiguration): number {
  const first = configuration.data.datasets[0]?.data ?? [];
  return first.filter((point) => point !== null && typeof point === 'object' && 'y' in point && point.y !== null)
    .length;
}
