/**
 * Nearest training images: a run's features (the layer before its classifier head, stored with
 * the run) and the cosine nearest neighbours of an image among the run's training images.
 */
import { z } from 'zod';
import { Id, JobInfo, Split, type RequestSpec } from './common';

/** What a run has stored of one split's features. */
export const FeatureInfo = z.object({
  split: Split,
  /** The layer the features were taken at (e.g. "dense_2", "z_mean", "members: dense_2 ×3"). */
  layer: z.string(),
  dim: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type FeatureInfo = z.infer<typeof FeatureInfo>;

export const neighbourRequests = {
  /** Computes and stores a finished run's features of every training and test image (a job). */
  computeFeatures: { input: z.object({ id: Id }), output: z.object({ job: JobInfo }) },
  /** What the run has stored (empty: none yet). */
  getFeatures: { input: z.object({ runId: Id }), output: z.array(FeatureInfo) },
} as const satisfies Record<string, RequestSpec>;

export const neighbourEvents = {
  /** A run's features were stored. */
  runFeaturesComputed: z.object({ runId: Id, features: z.array(FeatureInfo) }),
} as const satisfies Record<string, z.ZodType>;
