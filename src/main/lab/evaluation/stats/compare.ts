/**
 * Runs compared with their uncertainty: each metric's value with a bootstrap interval, and each
 * run's difference to a baseline with a paired interval, a test, a corrected p-value and a
 * sentence; "best" only where the evidence says so. Pure: prepared predictions in, plain data out.
 *
 * Runs tested on other images than the baseline (another dataset, split or sample) get their own
 * intervals (their own resamples) but no difference and no test: they are side by side only, and
 * no run is marked best while they are in the comparison.
 */
import {
  STAT_METRIC_INFO,
  StatMetric,
  type CompareStats,
  type MetricBest,
  type MetricDifference,
  type MetricEstimate,
  type StatTest,
} from '../../../../shared/contract';
import {
  bootstrapRuns,
  metricSamples,
  pairedBootstrapP,
  pairedDifferences,
  percentileInterval,
  type BootstrapOptions,
  type RunBootstrap,
} from './bootstrap';
import { HOLM, holm } from './holm';
import { mcnemarOfCorrectness } from './mcnemar';
import { formatP, differenceSentence } from './sentence';
import { STAT_METRICS, type PreparedRun } from './weighted-metrics';

export interface StatRun {
  runId: number;
  label: string;
  /** Same key: the same test images in the same order. */
  testSet: string;
  /** "the test split of "cifar-10" (3,000 images)": how a mismatch is explained. */
  testSetDescription: string;
  prepared: PreparedRun;
}

export interface CompareOptions extends BootstrapOptions {
  baseline?: number;
  level?: number;
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
const interval = ([lo, hi]: [number, number]): [number, number] | null =>
  Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : null;

interface Tested {
  test: StatTest;
  p: number;
  difference: number | null;
  ci: [number, number] | null;
}

export function compareRunStats(runs: readonly StatRun[], options: CompareOptions = {}): Omit<CompareStats, 'ms'> {
  const base = runs.find((r) => r.runId === (options.baseline ?? runs[0]?.runId));
  if (base === undefined)
    throw new RangeError(
      runs.length === 0
        ? 'runs: choose at least one run'
        : `baseline: run ${options.baseline} is not among the compared runs`,
    );
  const level = options.level ?? 0.95;
  // one bootstrap per test set: paired within it
  const boot = new Map<number, RunBootstrap>();
  let resamples = 0;
  let seed = 0;
  for (const key of new Set(runs.map((r) => r.testSet))) {
    const members = runs.filter((r) => r.testSet === key);
    const result = bootstrapRuns(
      members.map((r) => r.prepared),
      options,
    );
    resamples = result.resamples;
    seed = result.seed;
    members.forEach((r, i) => boot.set(r.runId, result.runs[i] as RunBootstrap));
  }
  const of = (run: StatRun): RunBootstrap => boot.get(run.runId) as RunBootstrap;
  const estimates: MetricEstimate[] = STAT_METRICS.flatMap((metric, m) =>
    runs.map((run) => ({
      metric,
      runId: run.runId,
      value: finite(of(run).value[m]),
      ci: interval(percentileInterval(metricSamples(of(run), m, resamples), level)),
    })),
  );

  /** a − b on metric m: the paired interval and the test. */
  const test = (a: StatRun, b: StatRun, m: number): Tested => {
    const metric = STAT_METRICS[m] as StatMetric;
    const va = finite(of(a).value[m]);
    const vb = finite(of(b).value[m]);
    const differences = pairedDifferences(metricSamples(of(a), m, resamples), metricSamples(of(b), m, resamples));
    const difference = va === null || vb === null ? null : va - vb;
    const ci = difference === null ? null : interval(percentileInterval(differences, level));
    if (metric === 'accuracy')
      return {
        test: 'McNemar exact',
        p: mcnemarOfCorrectness(a.prepared.correct, b.prepared.correct).p,
        difference,
        ci,
      };
    return { test: 'paired bootstrap', p: difference === null ? 1 : pairedBootstrapP(differences), difference, ci };
  };

  const comparable = runs.filter((r) => r !== base && r.testSet === base.testSet);
  const notComparable = runs
    .filter((r) => r.testSet !== base.testSet)
    .map((r) => ({
      runId: r.runId,
      reason: `${r.label} was tested on ${r.testSetDescription}, ${base.label} on ${base.testSetDescription}: another test set, so no difference is computed and no run is marked best; they are shown side by side only.`,
    }));
  const correction = comparable.length > 1 ? HOLM : null;
  const alpha = 1 - level;

  const differences: MetricDifference[] = STAT_METRICS.flatMap((metric, m) => {
    const tested = comparable.map((run) => test(run, base, m));
    const adjusted = correction === null ? tested.map((t) => t.p) : holm(tested.map((t) => t.p));
    return comparable.map((run, i): MetricDifference => {
      const t = tested[i] as Tested;
      const pAdjusted = adjusted[i] as number;
      const significant = t.difference !== null && pAdjusted < alpha;
      return {
        metric,
        runId: run.runId,
        baseline: base.runId,
        difference: t.difference,
        ci: t.ci,
        test: t.test,
        p: t.p,
        pAdjusted,
        significant,
        sentence: differenceSentence({
          metric,
          run: run.label,
          baseline: base.label,
          difference: t.difference,
          ci: t.ci,
          test: t.test,
          p: t.p,
          pAdjusted,
          correction,
          images: run.prepared.n,
          significant,
        }),
      };
    });
  });

  const best: MetricBest[] = STAT_METRICS.map((metric, m) => {
    if (runs.length < 2) return { metric, runId: null, note: 'One run: nothing to be best among.' };
    if (notComparable.length > 0)
      return { metric, runId: null, note: 'Not marked: the runs were tested on different test sets.' };
    const higher = STAT_METRIC_INFO[metric].better === 'higher';
    const valued = runs.filter((r) => finite(of(r).value[m]) !== null);
    if (valued.length < runs.length) return { metric, runId: null, note: 'Not marked: a run has no value.' };
    const value = (r: StatRun): number => of(r).value[m] as number;
    const leader = valued.reduce((a, b) => ((higher ? value(b) > value(a) : value(b) < value(a)) ? b : a));
    const others = runs.filter((r) => r !== leader);
    const tested = others.map((r) => test(leader, r, m));
    const adjusted = others.length > 1 ? holm(tested.map((t) => t.p)) : tested.map((t) => t.p);
    const worst = adjusted.reduce((i, p, j) => (p > (adjusted[i] as number) ? j : i), 0);
    const pWorst = adjusted[worst] as number;
    const after = others.length > 1 ? ` after ${HOLM}'s correction` : '';
    if (tested.every((t) => t.difference !== 0) && pWorst < alpha)
      return {
        metric,
        runId: leader.runId,
        note: `${leader.label} is better than every other run (largest ${formatP(pWorst)}${after}).`,
      };
    return {
      metric,
      runId: null,
      note: `Not marked: ${leader.label}'s lead over ${(others[worst] as StatRun).label} could be noise (${formatP(pWorst)}${after}).`,
    };
  });

  return {
    runs: runs.map((r) => ({ runId: r.runId, label: r.label, images: r.prepared.n, testSet: r.testSet })),
    baseline: base.runId,
    bootstrap: resamples,
    seed,
    level,
    correction: correction === null ? 'none' : 'Holm',
    notComparable,
    estimates,
    differences,
    best,
  };
}
