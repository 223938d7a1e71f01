/**
 * Distributions over a run's test set: per true class, the Tukey statistics of each class's
 * probability — the seed's per-image boxplots pooled over every test image of a true class.
 */
import { z } from 'zod';
import { Id } from './common';
import { Boxplot } from './cases';

/** The most outliers kept per box (evenly spread over the sorted outliers); `outliers` counts them all. */
export const MAX_BOX_OUTLIERS = 200;

export const ClassBoxplots = z.object({
  runId: Id,
  evaluationId: Id,
  /**
   * samples: every stored sample of every image is pooled (n = images × T); means: the images'
   * mean probabilities (n = images), when the evaluation stored no samples (deterministic runs,
   * or an evaluation before samples were kept).
   */
  source: z.enum(['samples', 'means']),
  /** T of the evaluation. */
  samples: z.number().int().positive(),
  classes: z.array(z.string()),
  groups: z.array(
    z.object({
      /** The true class's index and name. */
      trueClass: z.number().int().nonnegative(),
      name: z.string(),
      images: z.number().int().nonnegative(),
      /** One per class k (the probability of k), or null when no test image has this true class. */
      boxplots: z.array(Boxplot.extend({ outliers: z.number().int().nonnegative() })).nullable(),
    }),
  ),
});
export type ClassBoxplots = z.infer<typeof ClassBoxplots>;

export const distributionRequests = {
  /** Per true class, each class's probability over the run's test images (pooled samples when stored); null before an evaluation. */
  getClassBoxplots: { input: z.object({ runId: Id }), output: ClassBoxplots.nullable() },
} as const;
