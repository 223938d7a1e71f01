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

export const CompareRunsRequest = z.object({
  runIds: z.array(Id).min(1, 'choose at least one run').max(MAX_STAT_RUNS, `compare at most ${MAX_STAT_RUNS} runs`),
  /** The run every difference is taken to; default the first of `runIds`. */
  baseline: Id.optional(),
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

export const compareRequests = {
  /** Intervals, paired differences, tests and sentences for runs compared on their test sets. */
  compareRuns: { input: CompareRunsRequest, output: CompareStats },
} as const satisfies Record<string, RequestSpec>;
