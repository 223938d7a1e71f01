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

/** The most neighbours one request asks for. */
export const MAX_NEIGHBOURS = 50;
export const DEFAULT_NEIGHBOURS = 8;

export const ImageRef = z.object({
  split: Split,
  index: z.number().int().nonnegative(),
  /** The image's label (class index) and its name. */
  label: z.number().int().nonnegative(),
  className: z.string(),
});
export type ImageRef = z.infer<typeof ImageRef>;

export const Neighbour = ImageRef.extend({
  /** 1 − cosine similarity of the two images' features: 0 the same direction, 1 unrelated, 2 opposite. */
  distance: z.number().min(0).max(2),
});
export type Neighbour = z.infer<typeof Neighbour>;

export const GetNeighboursRequest = z.object({
  runId: Id,
  split: Split.default('test'),
  index: z.number().int().nonnegative(),
  k: z.number().int().min(1).max(MAX_NEIGHBOURS).default(DEFAULT_NEIGHBOURS),
});
export type GetNeighboursRequest = z.input<typeof GetNeighboursRequest>;

/**
 * The k training images nearest to one image in one run's features, nearest first. A training
 * image's own entry is among them (itself, at distance 0), as in a similarity search.
 */
export const NeighbourResult = z.object({
  runId: Id,
  image: ImageRef,
  /** The layer the features were taken at. */
  layer: z.string(),
  neighbours: z.array(Neighbour),
  /** The run's predicted class for a test image (its current evaluation), else null. */
  predicted: z.number().int().nullable(),
  predictedClass: z.string().nullable(),
  /** "Looks like the trucks it was trained on (7 of its 8 nearest training images)." (the image itself left out) */
  sentence: z.string(),
  /** Whether most neighbours (the image itself left out) carry the predicted class. */
  likePredicted: z.boolean(),
});
export type NeighbourResult = z.infer<typeof NeighbourResult>;

/** The share of a training image's neighbours with another label from which the finder lists it ("nearly all"). */
export const DEFAULT_SUSPECT_SHARE = 0.875;

export const FindSuspectsRequest = z.object({
  runs: z
    .array(Id)
    .min(1, 'choose at least one run')
    .max(8, 'compare at most 8 runs')
    .refine((ids) => new Set(ids).size === ids.length, 'a run is listed twice'),
  /** Listed when at least this share of its nearest training images carry another label, in every run. */
  share: z.number().min(0.5).max(1).default(DEFAULT_SUSPECT_SHARE),
  limit: z.number().int().positive().max(200).default(20),
});
export type FindSuspectsRequest = z.input<typeof FindSuspectsRequest>;

export const SuspectEntry = z.object({
  datasetId: Id,
  split: z.literal('train'),
  index: z.number().int().nonnegative(),
  label: z.number().int().nonnegative(),
  trueClass: z.string(),
  /** "labelled truck, but 8 of its 8 nearest training images are deer in CNN #1 (7 of 8 in VNN #2)". */
  reason: z.string(),
  /** The mean share of neighbours with another label over the runs. */
  score: z.number(),
});
export type SuspectEntry = z.infer<typeof SuspectEntry>;

export const SUSPECTS_TITLE = 'Training images that may be mislabelled';

export const SuspectList = z.object({
  title: z.string(),
  /** How many qualify in all (the entries are the top `limit`). */
  total: z.number().int().nonnegative(),
  entries: z.array(SuspectEntry),
  /** Chosen runs without features yet (left out; compute theirs to include them). */
  missingRuns: z.array(Id),
});
export type SuspectList = z.infer<typeof SuspectList>;

export const neighbourRequests = {
  /** Computes and stores a finished run's features of every training and test image (a job). */
  computeFeatures: { input: z.object({ id: Id }), output: z.object({ job: JobInfo }) },
  /** What the run has stored (empty: none yet). */
  getFeatures: { input: z.object({ runId: Id }), output: z.array(FeatureInfo) },
  /** The k nearest training images of one image in one run's features. */
  getNeighbours: { input: GetNeighboursRequest, output: NeighbourResult },
  /** The finder's "training images that may be mislabelled": their neighbours nearly all carry another label. */
  findSuspects: { input: FindSuspectsRequest, output: SuspectList },
} as const satisfies Record<string, RequestSpec>;

export const neighbourEvents = {
  /** A run's features were stored. */
  runFeaturesComputed: z.object({ runId: Id, features: z.array(FeatureInfo) }),
} as const satisfies Record<string, z.ZodType>;
