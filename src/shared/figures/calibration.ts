/**
 * Reliability diagrams, risk–coverage curves and MC convergence: one run (as on its page) or many
 * overlaid (as in the comparison), each from the runs' evaluations.
 */
import type { ChartConfiguration } from 'chart.js';
import type { RunMetrics } from '../contract';
import { logAxis } from './axes';
import { intervalsPlugin, type RunIntervals } from './intervals';
import { line, type LineConfiguration } from './curves';
import { COMMON_OPTIONS, SERIES_COLOURS, legendLabels, linearAxis, type Point } from './style';
import type { AnyChartConfiguration } from './types';

export interface EvaluatedRun {
  runId: number;
  /** The legend's name of the run (default "#id"). */
  label?: string;
  colour: string;
  metrics: RunMetrics;
  /** Optional intervals per reliability bin, risk–coverage point and convergence point. */
  intervals?: RunIntervals | null | undefined;
}

export type ReliabilityBarsConfiguration = ChartConfiguration<'bar' | 'line', Point[]>;

const DIAGONAL: Point[] = [
  { x: 0, y: 0 },
  { x: 1, y: 1 },
];

const legend = { position: 'bottom' as const, labels: legendLabels() };
const common = {
  ...COMMON_OPTIONS,
  interaction: { mode: 'nearest' as const, axis: 'x' as const, intersect: false },
};

const reference = () => ({
  ...line('perfect calibration', SERIES_COLOURS.reference, DIAGONAL, { dashed: true }),
  borderWidth: 1.5,
  pointRadius: 0,
});

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

/** One run's reliability diagram: a bar per confidence bin (its interval as an error bar) and the diagonal. */
export function reliabilityBars(
  metrics: RunMetrics,
  intervals?: RunIntervals | null | undefined,
): ReliabilityBarsConfiguration {
  return {
    type: 'bar',
    data: {
      datasets: [
        {
          type: 'bar',
          label: 'accuracy per confidence bin',
          data: reliabilityPoints(metrics),
          backgroundColor: `${SERIES_COLOURS.train}99`,
          borderColor: SERIES_COLOURS.train,
          borderWidth: 1,
          // a bar a little narrower than its bin: neighbouring bins stay apart (at full width their
          // borders touched and the bars read as one block)
          barPercentage: 0.84,
          categoryPercentage: 1,
        },
        { type: 'line', ...reference() },
      ],
    },
    options: {
      ...COMMON_OPTIONS,
      scales: {
        x: { ...linearAxis('confidence', 0, 1), offset: false, ticks: { stepSize: 0.2 } },
        y: linearAxis('accuracy', 0, 1),
      },
      plugins: { legend },
    },
    plugins: [
      intervalsPlugin([{ datasetIndex: 0, style: 'bars', colour: '#1f2328', intervals: intervals?.reliability ?? [] }]),
    ],
  };
}

/**
 * Reliability diagrams overlaid: each run's accuracy against its mean confidence per non-empty bin
 * (lines, since overlaid bars would hide each other), and the diagonal of perfect calibration.
 */
export function reliabilityChart(runs: readonly EvaluatedRun[]): LineConfiguration {
  const shown = (metrics: RunMetrics) =>
    metrics.reliability.flatMap((bin, b) => (bin.count > 0 && bin.accuracy !== null ? [{ bin, b }] : []));
  return {
    type: 'line',
    data: {
      datasets: [
        ...runs.map(({ runId, label = `#${runId}`, colour, metrics }) =>
          line(
            label,
            colour,
            shown(metrics).map(({ bin }) => ({
              x: bin.meanConfidence ?? (bin.lower + bin.upper) / 2,
              y: bin.accuracy,
            })),
          ),
        ),
        reference(),
      ],
    },
    plugins: [
      intervalsPlugin(
        runs.map(({ colour, metrics, intervals }, datasetIndex) => ({
          datasetIndex,
          style: 'bars' as const,
          colour,
          intervals: shown(metrics).map(({ b }) => intervals?.reliability?.[b] ?? null),
        })),
      ),
    ],
    options: {
      ...common,
      scales: { x: linearAxis('confidence', 0, 1), y: linearAxis('accuracy', 0, 1) },
      plugins: { legend },
    },
  };
}

/** Risk–coverage curves: the error rate among the most confident share of the test set. */
export function riskCoverageChart(runs: readonly EvaluatedRun[]): LineConfiguration {
  return {
    type: 'line',
    data: {
      datasets: runs.map(({ runId, label = `#${runId}`, colour, metrics }) => ({
        ...line(
          runs.length === 1 ? 'risk (error rate among the most confident)' : label,
          colour,
          metrics.riskCoverage.map(({ coverage, risk }) => ({ x: coverage, y: risk })),
        ),
        pointRadius: 0,
      })),
    },
    plugins: [
      intervalsPlugin(
        runs.map(({ colour, intervals }, datasetIndex) => ({
          datasetIndex,
          style: 'band' as const,
          colour,
          intervals: intervals?.riskCoverage ?? [],
        })),
      ),
    ],
    options: {
      ...common,
      scales: {
        x: linearAxis('coverage', 0, 1),
        y: { ...linearAxis('risk (error rate)'), suggestedMin: 0 },
      },
      plugins: { legend },
    },
  };
}

/** MC convergence: the mean standard error of the predicted probability against T, per run. */
export function convergenceChart(runs: readonly EvaluatedRun[]): LineConfiguration {
  return {
    type: 'line',
    data: {
      datasets: runs.map(({ runId, label = `#${runId}`, colour, metrics }) =>
        line(
          runs.length === 1 ? 'mean MC standard error' : label,
          colour,
          metrics.convergence.map(({ samples, standardError }) => ({ x: samples, y: standardError })),
        ),
      ),
    },
    plugins: [
      intervalsPlugin(
        runs.map(({ colour, intervals }, datasetIndex) => ({
          datasetIndex,
          style: 'band' as const,
          colour,
          intervals: intervals?.convergence ?? [],
        })),
      ),
    ],
    options: {
      ...common,
      scales: {
        x: logAxis('samples per image (T)'),
        y: { ...linearAxis('standard error'), suggestedMin: 0 },
      },
      plugins: { legend },
    },
  };
}

export type EvaluationChartKind = 'reliability' | 'risk-coverage' | 'convergence';

/**
 * A calibration chart over evaluated runs, as a run's page draws it (one run) and as the export
 * draws it (one run or many): one run's reliability diagram is bars, several runs' are lines.
 */
export function evaluationChart(kind: EvaluationChartKind, runs: readonly EvaluatedRun[]): AnyChartConfiguration {
  const only = runs.length === 1 ? runs[0] : undefined;
  const config =
    kind === 'reliability'
      ? only
        ? reliabilityBars(only.metrics, only.intervals)
        : reliabilityChart(runs)
      : kind === 'risk-coverage'
        ? riskCoverageChart(runs)
        : convergenceChart(runs);
  return config as unknown as AnyChartConfiguration;
}
