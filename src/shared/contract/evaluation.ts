/** Evaluation: what a finished run measured on its test set (DESIGN.md §4). */
import { z } from 'zod';
import { Id, JobInfo, type RequestSpec } from './common';

const Nullable = z.number().nullable();

/** What an evaluation of a run on its test set measured (DESIGN.md §4). */
export const RunMetrics = z.object({
  images: z.number().int().nonnegative(),
  /** T: stochastic samples per image (1 for a deterministic model). */
  samples: z.number().int().positive(),
  accuracy: z.number(),
  /** Hand–Till multiclass AUC from the (mean) probabilities. */
  aucHandTill: z.number(),
  /** The seed's AUC: pROC::multiclass.roc on hard predicted labels. */
  aucSeedStyle: z.number(),
  nll: z.number(),
  brier: z.number(),
  ece: z.number(),
  aurc: z.number(),
  perClass: z.array(z.object({ name: z.string(), precision: Nullable, recall: Nullable, support: z.number().int() })),
  /** Rows: true class; columns: predicted class. */
  confusion: z.array(z.array(z.number().int())),
  reliability: z.array(
    z.object({
      lower: z.number(),
      upper: z.number(),
      count: z.number().int(),
      meanConfidence: Nullable,
      accuracy: Nullable,
    }),
  ),
  /** The risk–coverage curve, thinned to at most 200 points. */
  riskCoverage: z.array(z.object({ coverage: z.number(), risk: z.number() })),
  /** Mean over images of the MC standard error of the predicted probability, per T′ (stochastic runs). */
  convergence: z.array(z.object({ samples: z.number().int(), standardError: z.number() })),
  meanEntropy: z.number(),
  meanMutualInformation: Nullable,
  seconds: z.number().nonnegative(),
});
export type RunMetrics = z.infer<typeof RunMetrics>;

export const evaluationRequests = {
  /** Evaluates a finished run on its test set (T samples per image for stochastic models). */
  evaluateRun: {
    input: z.object({ id: Id, samples: z.number().int().min(2).max(10_000).optional() }),
    output: z.object({ job: JobInfo }),
  },
  /** The run's newest evaluation, or null when it has none. */
  getEvaluation: { input: z.object({ runId: Id }), output: RunMetrics.nullable() },
} as const satisfies Record<string, RequestSpec>;

export const evaluationEvents = {
  /** An evaluation of a run was stored. */
  runEvaluated: z.object({ runId: Id, metrics: RunMetrics }),
} as const satisfies Record<string, z.ZodType>;
