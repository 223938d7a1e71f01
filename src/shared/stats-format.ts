/** How intervals, differences and p-values are written, the same in the app, the CLI and reports. */
import { STAT_METRIC_INFO, type CompareStats, type StatMetric } from './contract';

/** Decimals a difference of each metric is written with (accuracy in percentage points). */
const DECIMALS: Record<StatMetric, number> = {
  accuracy: 1,
  aucHandTill: 3,
  aucSeedStyle: 3,
  nll: 3,
  brier: 3,
  ece: 3,
  aurc: 4,
};

const MINUS = '−';

/** A difference in the metric's unit (points for accuracy), with a true minus sign. */
export function formatDifference(metric: StatMetric, value: number): string {
  const scaled = metric === 'accuracy' ? value * 100 : value;
  const text = Math.abs(scaled).toFixed(DECIMALS[metric]);
  return Number(text) === 0 ? text : `${scaled < 0 ? MINUS : ''}${text}`;
}

/** "p = 0.41", "p = 0.039", "p < 0.001". */
export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${Number(p.toPrecision(2))}`;
}

/** A value of the metric as shown: accuracy in per cent with one decimal, the others with four. */
export function formatStatValue(metric: StatMetric, value: number | null): string {
  if (value === null) return '–';
  return metric === 'accuracy' ? `${(value * 100).toFixed(1)} %` : value.toFixed(4);
}

/** "[75.3, 84.3]" (accuracy in per cent) or "[0.7870, 0.8750]". */
export function formatInterval(metric: StatMetric, ci: readonly [number, number] | null): string {
  if (ci === null) return '';
  const f = (v: number): string => (metric === 'accuracy' ? (v * 100).toFixed(1) : v.toFixed(4));
  return `[${f(ci[0])}, ${f(ci[1])}]`;
}

/**
 * The comparison as a table of text: per metric one row of values with their intervals (★ for a
 * best), then one row of differences to the baseline with their interval and p (adjusted; * when
 * significant). Shared by `casebook compare` and the report.
 */
export function statsTable(stats: CompareStats): { head: string[]; rows: string[][] } {
  const label = (id: number): string => stats.runs.find((r) => r.runId === id)?.label ?? `run ${id}`;
  const rows: string[][] = [];
  for (const metric of Object.keys(STAT_METRIC_INFO) as StatMetric[]) {
    const info = STAT_METRIC_INFO[metric];
    rows.push([
      `${info.label} ${info.better === 'higher' ? '↑' : '↓'}`,
      ...stats.runs.map(({ runId }) => {
        const e = stats.estimates.find((x) => x.metric === metric && x.runId === runId);
        const ci = e?.ci ? ` ${formatInterval(metric, e.ci)}` : '';
        const best = stats.best.find((b) => b.metric === metric)?.runId === runId ? ' ★' : '';
        return `${formatStatValue(metric, e?.value ?? null)}${ci}${best}`;
      }),
    ]);
    const diffs = stats.runs.map(({ runId }) =>
      stats.differences.find((d) => d.metric === metric && d.runId === runId),
    );
    if (diffs.some((d) => d !== undefined))
      rows.push([
        `Δ to ${label(stats.baseline)}`,
        ...diffs.map((d) =>
          d === undefined || d.difference === null || d.ci === null
            ? ''
            : `${formatDifference(metric, d.difference)} [${formatDifference(metric, d.ci[0])}, ${formatDifference(metric, d.ci[1])}] ${formatP(d.pAdjusted)}${d.significant ? ' *' : ''}`,
        ),
      ]);
  }
  return { head: ['metric', ...stats.runs.map((r) => r.label)], rows };
}

/** One sentence on how the intervals and tests were made. */
export function statsMethod(stats: CompareStats): string {
  const images = [...new Set(stats.runs.map((r) => r.images.toLocaleString('en-GB')))].join(' / ');
  const base = stats.runs.find((r) => r.runId === stats.baseline)?.label ?? `run ${stats.baseline}`;
  return `Each value with its 95 % percentile bootstrap interval over the ${images} test images (B = ${stats.bootstrap.toLocaleString('en-GB')}, seed ${stats.seed}); Δ: the difference to ${base}, with a paired interval (the same resampled images for both runs) and the p-value of McNemar's exact test (accuracy) or the paired bootstrap (the others)${stats.correction === 'Holm' ? ", corrected with Holm's method over the runs compared" : ''}; * p < 0.05; ★ a run better than every other beyond noise.`;
}
