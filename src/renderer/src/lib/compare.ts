/**
 * Runs side by side (after W&B's and TensorBoard's run comparison): the metrics table — each
 * test-set metric with its interval, each run's difference to the baseline with its paired
 * interval and test, "best" only where the statistics say so — and the configuration diff. Pure
 * functions of the runs and their statistics, so they can be tested.
 */
import {
  MODEL_LABELS,
  StatMetric,
  type CompareStats,
  type RunConfig,
  type RunMetrics,
  type RunSummary,
} from '../../../shared/contract';
import { formatDifference, formatInterval, formatP } from '../../../shared/stats-format';
import { formatCount, formatDecimal, formatOptionalCount, formatPercent, formatSeconds } from './format';
import { CONFIG_LABELS, NUMBER_FIELDS, usesField, type ConfigKey } from './run-fields';

/** What is known of one compared run: its summary, and its evaluation once it has one. */
export interface ComparedRun {
  run: RunSummary;
  metrics: RunMetrics | null;
}

export type Better = 'higher' | 'lower' | null;

export interface MetricRow {
  key: string;
  label: string;
  /** Which way is better; null: neither (the row marks no best). */
  better: Better;
  values: (number | null)[];
  /** The values as shown. */
  shown: string[];
  /**
   * Positions of the best run: only for a test-set metric whose statistics show one run better
   * than every other after correction; empty otherwise.
   */
  best: number[];
  /** Each run's difference to the baseline, as shown ("" for the baseline and where either is missing). */
  deltas: string[];
  /** Test-set metrics: each run's 95 % interval as shown ("" where there is none). */
  intervals: string[];
  /** Test-set metrics: each run's test of its difference to the baseline, or why there is none. */
  tests: (DeltaTest | null)[];
  /** Why no best is marked, or on what evidence one is ("" without statistics). */
  bestNote: string;
  /** The test of the differences and the correction, e.g. "McNemar exact · Holm" ("" without statistics). */
  testName: string;
}

export interface DeltaTest {
  /** "p = 0.041 (Holm)", "not compared". */
  text: string;
  significant: boolean;
  /** The full sentence, or why the run is not compared. */
  title: string;
}

interface MetricSpec {
  key: string;
  label: string;
  better: Better;
  value: (compared: ComparedRun) => number | null;
  format: (value: number | null) => string;
  /** How a difference is written. */
  delta: (difference: number) => string;
}

/** "+0.0123", "−0.0123" (a true minus sign), or "±0" when the shown figure would be zero. */
function signed(format: (magnitude: number) => string, difference: number): string {
  const text = format(Math.abs(difference));
  if (Number(text.replace(/[^\d.]/g, '')) === 0) return '±0';
  return `${difference > 0 ? '+' : '−'}${text}`;
}
const decimalDelta = (d: number): string => signed(formatDecimal, d);
const percentPoints = (d: number): string => signed((m) => `${(m * 100).toFixed(1)} pp`, d);
const countDelta = (d: number): string => signed(formatCount, d);
const secondsDelta = (d: number): string => signed(formatSeconds, d);

const evaluated =
  (pick: (metrics: RunMetrics) => number | null) =>
  ({ metrics }: ComparedRun): number | null =>
    metrics === null ? null : pick(metrics);

/** The rows of the metrics table, in order. */
export const METRIC_SPECS: readonly MetricSpec[] = [
  {
    key: 'accuracy',
    label: 'Accuracy (of the mean prediction)',
    better: 'higher',
    value: evaluated((m) => m.accuracy),
    format: formatPercent,
    delta: percentPoints,
  },
  {
    key: 'aucHandTill',
    label: 'AUC (Hand–Till)',
    better: 'higher',
    value: evaluated((m) => m.aucHandTill),
    format: formatDecimal,
    delta: decimalDelta,
  },
  {
    key: 'aucSeedStyle',
    label: "AUC (seed's, hard labels)",
    better: 'higher',
    value: evaluated((m) => m.aucSeedStyle),
    format: formatDecimal,
    delta: decimalDelta,
  },
  {
    key: 'nll',
    label: 'NLL',
    better: 'lower',
    value: evaluated((m) => m.nll),
    format: formatDecimal,
    delta: decimalDelta,
  },
  {
    key: 'brier',
    label: 'Brier score',
    better: 'lower',
    value: evaluated((m) => m.brier),
    format: formatDecimal,
    delta: decimalDelta,
  },
  {
    key: 'ece',
    label: 'ECE',
    better: 'lower',
    value: evaluated((m) => m.ece),
    format: formatDecimal,
    delta: decimalDelta,
  },
  {
    key: 'aurc',
    label: 'AURC',
    better: 'lower',
    value: evaluated((m) => m.aurc),
    format: formatDecimal,
    delta: decimalDelta,
  },
  {
    key: 'meanEntropy',
    label: 'Mean predictive entropy',
    better: null,
    value: evaluated((m) => m.meanEntropy),
    format: formatDecimal,
    delta: decimalDelta,
  },
  {
    key: 'meanMutualInformation',
    label: 'Mean mutual information',
    better: null,
    value: evaluated((m) => m.meanMutualInformation),
    format: formatDecimal,
    delta: decimalDelta,
  },
  {
    key: 'samples',
    label: 'Samples per image (T)',
    better: null,
    value: evaluated((m) => m.samples),
    format: formatOptionalCount,
    delta: countDelta,
  },
  {
    key: 'params',
    label: 'Parameters',
    better: null,
    value: ({ run }) => run.params,
    format: formatOptionalCount,
    delta: countDelta,
  },
  {
    key: 'epochs',
    label: 'Epochs trained',
    better: null,
    value: ({ run }) => run.epochsDone,
    format: formatOptionalCount,
    delta: countDelta,
  },
  {
    key: 'trainSeconds',
    label: 'Training time',
    better: 'lower',
    value: ({ run }) => (run.status === 'done' ? run.trainSeconds : null),
    format: (v) => (v === null ? '–' : formatSeconds(v)),
    delta: secondsDelta,
  },
  {
    key: 'imagesPerSecond',
    label: 'Images/s (training)',
    better: 'higher',
    value: ({ run }) => run.imagesPerSecond,
    format: (v) => (v === null ? '–' : formatCount(v)),
    delta: countDelta,
  },
];

/** Positions holding the best value; ties all count. */
export function bestPositions(values: readonly (number | null)[], better: Better): number[] {
  if (better === null) return [];
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length < 2) return [];
  const best = better === 'higher' ? Math.max(...known) : Math.min(...known);
  if (known.every((v) => v === best)) return [];
  return values.flatMap((v, i) => (v === best ? [i] : []));
}

const isStatMetric = (key: string): key is StatMetric => (StatMetric.options as readonly string[]).includes(key);

/**
 * The rows of the metrics table. `baseline`: the run the differences are taken to (default the
 * first); `stats`: the statistics of the evaluated runs, or null while they load. Only a
 * test-set metric can have a best, and only when `stats` marks one: a lead that could be noise,
 * or one between runs on different test sets, is never starred.
 */
export function metricRows(
  runs: readonly ComparedRun[],
  stats: CompareStats | null = null,
  baseline: number | null = null,
): MetricRow[] {
  const base = Math.max(
    0,
    runs.findIndex((r) => r.run.id === (baseline ?? stats?.baseline ?? runs[0]?.run.id)),
  );
  return METRIC_SPECS.map((spec) => {
    const values = runs.map(spec.value);
    const reference = values[base] ?? null;
    const stat = isStatMetric(spec.key) ? spec.key : null;
    const plainDeltas = values.map((v, i) =>
      i === base || v === null || reference === null ? '' : spec.delta(v - reference),
    );
    if (stat === null || stats === null)
      return {
        key: spec.key,
        label: spec.label,
        better: spec.better,
        values,
        shown: values.map(spec.format),
        best: [],
        deltas: plainDeltas,
        intervals: values.map(() => ''),
        tests: values.map(() => null),
        bestNote: '',
        testName: '',
      };
    const estimate = (runId: number) => stats.estimates.find((e) => e.metric === stat && e.runId === runId);
    const difference = (runId: number) => stats.differences.find((d) => d.metric === stat && d.runId === runId);
    const best = stats.best.find((b) => b.metric === stat);
    // the value the interval belongs to: computed from the same stored predictions
    const estimated = runs.map(({ run }, i) => {
      const e = estimate(run.id);
      return e === undefined ? (values[i] ?? null) : e.value;
    });
    const tested = stats.differences.find((d) => d.metric === stat);
    return {
      key: spec.key,
      label: spec.label,
      better: spec.better,
      values: estimated,
      shown: estimated.map(spec.format),
      best: runs.flatMap(({ run }, i) => (best?.runId === run.id ? [i] : [])),
      deltas: runs.map(({ run }) => {
        // only the statistics' differences: none for the baseline, none between other test sets
        const d = difference(run.id);
        if (d === undefined || d.difference === null) return '';
        const unit = stat === 'accuracy' ? ' pp' : '';
        const sign = d.difference > 0 ? '+' : '';
        return `${sign}${formatDifference(stat, d.difference)}${unit} ${d.ci === null ? '' : `[${formatDifference(stat, d.ci[0])}, ${formatDifference(stat, d.ci[1])}]`}`.trim();
      }),
      intervals: runs.map(({ run }) => formatInterval(stat, estimate(run.id)?.ci ?? null)),
      tests: runs.map(({ run }) => {
        const d = difference(run.id);
        if (d !== undefined) return { text: formatP(d.pAdjusted), significant: d.significant, title: d.sentence };
        const excluded = stats.notComparable.find((x) => x.runId === run.id);
        return excluded === undefined ? null : { text: 'not compared', significant: false, title: excluded.reason };
      }),
      bestNote: best?.note ?? '',
      testName: tested === undefined ? '' : `${tested.test}${stats.correction === 'Holm' ? ', Holm-adjusted' : ''}`,
    };
  });
}

export interface ConfigRow {
  key: ConfigKey | 'model' | 'dataset';
  label: string;
  /** Each run's value as shown ("n/a" where the run's family does not use it). */
  values: string[];
  differs: boolean;
}

const NOT_USED = 'n/a';

function configValue(config: RunConfig, key: ConfigKey): string {
  const field = NUMBER_FIELDS.find((f) => f.key === key);
  if (field !== undefined && !usesField(field, config.model)) return NOT_USED;
  const value = config[key];
  return value === null ? 'all' : String(value);
}

/**
 * The configurations side by side: every hyperparameter, flagged where the runs differ. The
 * dataset counts as a row (by its content), so runs on different data say so.
 */
export function configRows(runs: readonly RunSummary[], datasetName: (id: number) => string): ConfigRow[] {
  const rows: Omit<ConfigRow, 'differs'>[] = [
    { key: 'model', label: 'Model', values: runs.map((run) => MODEL_LABELS[run.model]) },
    {
      key: 'dataset',
      label: 'Dataset',
      values: runs.map((run) => `${datasetName(run.datasetId)} (${run.datasetHash.slice(0, 8)})`),
    },
    ...(Object.keys(CONFIG_LABELS) as ConfigKey[]).map((key) => ({
      key,
      label: CONFIG_LABELS[key],
      values: runs.map((run) => configValue(run.config, key)),
    })),
  ];
  return rows.map((row) => ({ ...row, differs: new Set(row.values).size > 1 }));
}
