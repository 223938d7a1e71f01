/**
 * How sure each compared number is: every metric of every run with its bootstrap interval over
 * test images, and every run's difference to a baseline run with a paired interval and a test
 * (McNemar's exact test for accuracy, the paired bootstrap for the others; Holm's correction over
 * the differences of one metric when more than two runs are compared).
 */
import { z } from 'zod';
import { Id, type RequestSpec } from './common';

/** The metrics that carry an interval, in the order they are shown. */
export const StatMetric = z.enum(['accuracy', 'aucHandTill', 'aucSeedStyle', 'nll', 'brier', 'ece', 'aurc']);
export type StatMetric = z.infer<typeof StatMetric>;

/** Their names in sentences and tables, and which way is better. */
export const STAT_METRIC_INFO: Record<StatMetric, { label: string; better: 'higher' | 'lower' }> = {
  accuracy: { label: 'accuracy', better: 'higher' },
  aucHandTill: { label: 'AUC (Hand–Till)', better: 'higher' },
  aucSeedStyle: { label: "AUC (the seed's, hard labels)", better: 'higher' },
  nll: { label: 'NLL', better: 'lower' },
  brier: { label: 'Brier score', better: 'lower' },
  ece: { label: 'ECE', better: 'lower' },
  aurc: { label: 'AURC', better: 'lower' },
};

export const MAX_STAT_RUNS = 8;
export const DEFAULT_BOOTSTRAP = 2000;

/** How the test images are resampled: shared by every comparison request. */
const Resampling = z.object({
  /** B, the bootstrap resamples. */
  bootstrap: z.number().int().min(100).max(100_000).default(DEFAULT_BOOTSTRAP),
  /** The seed of the resamples: the same seed gives the same intervals. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
});

export const CompareRunsRequest = Resampling.extend({
  runIds: z.array(Id).min(1, 'choose at least one run').max(MAX_STAT_RUNS, `compare at most ${MAX_STAT_RUNS} runs`),
  /** The run every difference is taken to; default the first of `runIds`. */
  baseline: Id.optional(),
});
export type CompareRunsRequest = z.input<typeof CompareRunsRequest>;

/** [lower, upper] of a 95 % interval; null where it cannot be computed (e.g. an AUC with one class). */
const Interval = z.tuple([z.number(), z.number()]).nullable();

export const MetricEstimate = z.object({
  metric: StatMetric,
  runId: Id,
  value: z.number().nullable(),
  ci: Interval,
});
export type MetricEstimate = z.infer<typeof MetricEstimate>;

export const StatTest = z.enum(['McNemar exact', 'paired bootstrap']);
export type StatTest = z.infer<typeof StatTest>;

export const MetricDifference = z.object({
  metric: StatMetric,
  runId: Id,
  baseline: Id,
  /** value(run) − value(baseline). */
  difference: z.number().nullable(),
  ci: Interval,
  test: StatTest,
  p: z.number(),
  /** p after the correction named in `correction` (equal to p when there is none). */
  pAdjusted: z.number(),
  /** pAdjusted < 0.05. */
  significant: z.boolean(),
  /** For a sentence in a write-up. */
  sentence: z.string(),
});
export type MetricDifference = z.infer<typeof MetricDifference>;

export const MetricBest = z.object({
  metric: StatMetric,
  /** The run whose value is better than every other's with every corrected p < 0.05; null: none is. */
  runId: Id.nullable(),
  /** Why none is marked, or on what evidence one is. */
  note: z.string(),
});
export type MetricBest = z.infer<typeof MetricBest>;

export const CompareStats = z.object({
  runs: z.array(
    z.object({
      runId: Id,
      label: z.string(),
      images: z.number().int().nonnegative(),
      /** Runs with the same key were tested on the same images (dataset content, split, sample). */
      testSet: z.string(),
    }),
  ),
  baseline: Id,
  bootstrap: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  level: z.number(),
  /** The multiple-comparison correction applied to each metric's differences. */
  correction: z.enum(['Holm', 'none']),
  /** Runs tested on other images than the baseline: shown side by side, no difference, no best. */
  notComparable: z.array(z.object({ runId: Id, reason: z.string() })),
  estimates: z.array(MetricEstimate),
  differences: z.array(MetricDifference),
  best: z.array(MetricBest),
  /** Time spent, for the curious. */
  ms: z.number().nonnegative(),
});
export type CompareStats = z.infer<typeof CompareStats>;

/** The most runs (seeds of every group together) one comparison of groups bootstraps. */
export const MAX_GROUP_RUNS = 40;

/** Seed groups compared: each id names a run, which stands for its seed group (itself when alone). */
export const CompareGroupsRequest = Resampling.extend({
  groupIds: z
    .array(Id)
    .min(1, 'choose at least one group')
    .max(MAX_STAT_RUNS, `compare at most ${MAX_STAT_RUNS} groups`),
  /** The group every difference is taken to (any of its runs' ids); default the first. */
  baseline: Id.optional(),
});
export type CompareGroupsRequest = z.input<typeof CompareGroupsRequest>;

/** A group's metric over its seeds. */
export const GroupEstimate = z.object({
  metric: StatMetric,
  groupId: Id,
  /** Mean over the seeds; null when undefined for a seed. */
  mean: z.number().nullable(),
  /** Sample standard deviation over the seeds (n − 1); null with one seed. */
  sd: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  /** Each seed's value, in the order of the group's runIds. */
  values: z.array(z.number().nullable()),
});
export type GroupEstimate = z.infer<typeof GroupEstimate>;

export const GroupDifferenceStat = z.object({
  metric: StatMetric,
  groupId: Id,
  baseline: Id,
  /** mean over seeds(group) − mean over seeds(baseline). */
  difference: z.number().nullable(),
  ci: Interval,
  /** What the interval covers: the seeds alone, or the seeds and the test images. */
  over: z.enum(['seeds', 'seeds and test images']),
  seeds: z.tuple([z.number().int(), z.number().int()]),
  /** The interval excludes 0. */
  significant: z.boolean(),
  sentence: z.string(),
});
export type GroupDifferenceStat = z.infer<typeof GroupDifferenceStat>;

export const GroupCompareStats = z.object({
  groups: z.array(
    z.object({
      /** The group's id (its smallest run id), or the run's own id when it is alone. */
      groupId: Id,
      label: z.string(),
      /** Its evaluated runs, one per seed, in id order. */
      runIds: z.array(Id),
      seeds: z.array(z.number().int()),
      images: z.number().int().nonnegative(),
      testSet: z.string(),
      /** Runs of the group left out, and why (not evaluated yet). */
      skipped: z.array(z.object({ runId: Id, reason: z.string() })),
    }),
  ),
  baseline: Id,
  bootstrap: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  level: z.number(),
  notComparable: z.array(z.object({ groupId: Id, reason: z.string() })),
  estimates: z.array(GroupEstimate),
  differences: z.array(GroupDifferenceStat),
  ms: z.number().nonnegative(),
});
export type GroupCompareStats = z.infer<typeof GroupCompareStats>;

export const compareRequests = {
  /** Intervals, paired differences, tests and sentences for runs compared on their test sets. */
  compareRuns: { input: CompareRunsRequest, output: CompareStats },
  /** Seed groups compared: mean ± sd and min–max over seeds, differences of the seed means with intervals. */
  compareGroups: { input: CompareGroupsRequest, output: GroupCompareStats },
} as const satisfies Record<string, RequestSpec>;
