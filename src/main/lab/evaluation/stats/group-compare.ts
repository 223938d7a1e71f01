/**
 * Seed groups compared as one entry each: every metric as mean ± sd and min–max over the group's
 * seeds, and every group's difference to a baseline group as the difference of the seed means
 * with `seedGroupDifference`'s interval. The runs of one test set are bootstrapped together (the
 * same image resamples for every seed of every group), so the interval covers the seeds and the
 * test images; a group whose seeds were tested on different images gets one over seeds only.
 * Pure: prepared predictions in, plain data out.
 */
import {
  STAT_METRIC_INFO,
  type GroupCompareStats,
  type GroupDifferenceStat,
  type GroupEstimate,
  type StatMetric,
} from '../../../../shared/contract';
import { formatDifference } from '../../../../shared/stats-format';
import { bootstrapRuns, metricSamples, type BootstrapOptions, type RunBootstrap } from './bootstrap';
import type { StatRun } from './compare';
import { seedGroupDifference } from './groups';
import { STAT_METRICS } from './weighted-metrics';

export interface StatGroup {
  groupId: number;
  label: string;
  seeds: number[];
  /** One per seed, evaluated. */
  runs: StatRun[];
  skipped: { runId: number; reason: string }[];
}

export interface GroupCompareOptions extends BootstrapOptions {
  baseline?: number;
  level?: number;
}

/** Mean, sample sd, min and max of values; nulls when any is undefined. */
export function seedSummary(values: readonly (number | null)[]): {
  mean: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
} {
  if (values.length === 0 || values.some((v) => v === null || !Number.isFinite(v)))
    return { mean: null, sd: null, min: null, max: null };
  const xs = values as number[];
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const sd = xs.length < 2 ? null : Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

/** "CNN #1 (5 seeds)'s accuracy is 0.4 points above VNN #2 (5 seeds)'s (95 % CI over seeds and test images −0.6 to 1.4): no evidence of a difference." */
export function groupSentence(input: {
  metric: StatMetric;
  group: string;
  baseline: string;
  difference: number | null;
  ci: [number, number] | null;
  over: string;
  significant: boolean;
}): string {
  const { metric, group, baseline } = input;
  const subject = `${group}'s mean ${STAT_METRIC_INFO[metric].label}`;
  if (input.difference === null || input.ci === null)
    return `${subject} cannot be compared with ${baseline}'s: it is undefined for a seed.`;
  const unit = metric === 'accuracy' ? ' points' : '';
  const size = formatDifference(metric, Math.abs(input.difference));
  const up = metric === 'accuracy' ? 'above' : 'higher than';
  const down = metric === 'accuracy' ? 'below' : 'lower than';
  const relation =
    Number(size) === 0 ? `equal to ${baseline}'s` : `${size}${unit} ${input.difference > 0 ? up : down} ${baseline}'s`;
  const better = STAT_METRIC_INFO[metric].better === 'higher' ? input.difference > 0 : input.difference < 0;
  const verdict = input.significant
    ? `evidence that ${group} is ${better ? 'better' : 'worse'} on this test set`
    : 'no evidence of a difference';
  return `${subject} is ${relation} (95 % CI over ${input.over} ${formatDifference(metric, input.ci[0])} to ${formatDifference(metric, input.ci[1])}): ${verdict}.`;
}

export function compareGroupStats(
  groups: readonly StatGroup[],
  options: GroupCompareOptions = {},
): Omit<GroupCompareStats, 'ms'> {
  for (const g of groups) if (g.runs.length === 0) throw new RangeError(`group ${g.groupId}: no evaluated run`);
  const base = groups.find((g) => g.groupId === (options.baseline ?? groups[0]?.groupId));
  if (base === undefined) throw new RangeError(`baseline: group ${options.baseline} is not among the compared groups`);
  const level = options.level ?? 0.95;
  const all = groups.flatMap((g) => g.runs);
  const boot = new Map<StatRun, RunBootstrap>();
  let resamples = options.resamples ?? 0;
  let seed = options.seed ?? 0;
  for (const key of new Set(all.map((r) => r.testSet))) {
    const members = all.filter((r) => r.testSet === key);
    const result = bootstrapRuns(
      members.map((r) => r.prepared),
      options,
    );
    resamples = result.resamples;
    seed = result.seed;
    members.forEach((r, i) => boot.set(r, result.runs[i] as RunBootstrap));
  }
  const of = (r: StatRun): RunBootstrap => boot.get(r) as RunBootstrap;
  const value = (r: StatRun, m: number): number | null => {
    const v = of(r).value[m];
    return v !== undefined && Number.isFinite(v) ? v : null;
  };
  const testSetOf = (g: StatGroup): string | null =>
    g.runs.every((r) => r.testSet === g.runs[0]?.testSet) ? (g.runs[0]?.testSet ?? null) : null;

  const estimates: GroupEstimate[] = STAT_METRICS.flatMap((metric, m) =>
    groups.map((g) => {
      const values = g.runs.map((r) => value(r, m));
      return { metric, groupId: g.groupId, ...seedSummary(values), values };
    }),
  );

  const baseSet = testSetOf(base);
  const comparable = groups.filter((g) => g !== base && baseSet !== null && testSetOf(g) === baseSet);
  const notComparable = groups
    .filter((g) => g !== base && !comparable.includes(g))
    .map((g) => ({
      groupId: g.groupId,
      reason:
        baseSet === null || testSetOf(g) === null
          ? `The seeds of ${testSetOf(g) === null ? g.label : base.label} were tested on different test sets: no difference is computed.`
          : `${g.label} was tested on ${g.runs[0]?.testSetDescription}, ${base.label} on ${base.runs[0]?.testSetDescription}: another test set, so no difference is computed; they are shown side by side only.`,
    }));

  const differences: GroupDifferenceStat[] = STAT_METRICS.flatMap((metric, m) =>
    comparable.map((g): GroupDifferenceStat => {
      const a = g.runs.map((r) => value(r, m));
      const b = base.runs.map((r) => value(r, m));
      const seeds: [number, number] = [a.length, b.length];
      if (a.some((v) => v === null) || b.some((v) => v === null)) {
        const over = 'seeds and test images' as const;
        return {
          metric,
          groupId: g.groupId,
          baseline: base.groupId,
          difference: null,
          ci: null,
          over,
          seeds,
          significant: false,
          sentence: groupSentence({
            metric,
            group: g.label,
            baseline: base.label,
            difference: null,
            ci: null,
            over,
            significant: false,
          }),
        };
      }
      const d = seedGroupDifference(
        { values: a as number[], resampled: g.runs.map((r) => metricSamples(of(r), m, resamples)) },
        { values: b as number[], resampled: base.runs.map((r) => metricSamples(of(r), m, resamples)) },
        { seed, level },
      );
      const ci = Number.isFinite(d.ci[0]) && Number.isFinite(d.ci[1]) ? d.ci : null;
      const significant = ci !== null && (ci[0] > 0 || ci[1] < 0);
      return {
        metric,
        groupId: g.groupId,
        baseline: base.groupId,
        difference: d.difference,
        ci,
        over: d.over,
        seeds,
        significant,
        sentence: groupSentence({
          metric,
          group: g.label,
          baseline: base.label,
          difference: d.difference,
          ci,
          over: d.over,
          significant,
        }),
      };
    }),
  );

  return {
    groups: groups.map((g) => ({
      groupId: g.groupId,
      label: g.label,
      runIds: g.runs.map((r) => r.runId),
      seeds: g.seeds,
      images: g.runs[0]?.prepared.n ?? 0,
      testSet: testSetOf(g) ?? 'mixed',
      skipped: g.skipped,
    })),
    baseline: base.groupId,
    bootstrap: resamples,
    seed,
    level,
    notComparable,
    estimates,
    differences,
  };
}
