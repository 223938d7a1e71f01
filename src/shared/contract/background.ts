/**
 * The background test: each test image predicted again with its border ring (the background
 * share's ring) or its centre replaced by a blurred or a mean version; how much the predicted
 * class's probability drops, and whether the class flips when only the background changes.
 */
import { z } from 'zod';
import { Id, JobInfo, type RequestSpec } from './common';

/** The four changed versions, in stored order. */
export const BACKGROUND_FILLS = ['background-blur', 'background-mean', 'centre-blur', 'centre-mean'] as const;
export const BACKGROUND_FILL_LABELS: Record<(typeof BACKGROUND_FILLS)[number], string> = {
  'background-blur': 'background blurred',
  'background-mean': 'background → mean colour',
  'centre-blur': 'centre blurred',
  'centre-mean': 'centre → mean colour',
};

/** Which run to test; `samples`: T for the VNN and MC dropout (default 50). */
export const BackgroundTestRequest = z.object({
  id: Id,
  samples: z.number().int().min(2).max(1000).optional(),
});
export type BackgroundTestRequest = z.input<typeof BackgroundTestRequest>;

export const BackgroundSummary = z.object({
  /** The evaluation whose predicted classes were followed. */
  evaluationId: Id,
  /** Samples per image: T of the head (VNN, MC dropout), the members (ensemble), or 1. */
  samples: z.number().int().positive(),
  images: z.number().int().nonnegative(),
  /** Mean over the images of the background dependence (the larger drop of the predicted class's probability when only the ring is replaced). */
  meanDependence: z.number(),
  /** The same for the centre. */
  meanCentreDependence: z.number(),
  /** Images whose class flips when only the background changes (either fill). */
  flips: z.number().int().nonnegative(),
  /** Flips by fill: blurred background, mean-colour background. */
  flipsBlur: z.number().int().nonnegative(),
  flipsMean: z.number().int().nonnegative(),
  /** Of the images the run gets right, those that flip. */
  flipsRight: z.number().int().nonnegative(),
  /** The ring's share of the image's area and the blur's σ in pixels. */
  ringArea: z.number(),
  blurSigma: z.number(),
  seconds: z.number().nonnegative(),
});
export type BackgroundSummary = z.infer<typeof BackgroundSummary>;

/** One image's background test for one run. */
export const BackgroundResult = z.object({
  /** The class followed (the run's current evaluation's prediction). */
  predicted: z.number().int(),
  /** Its probability unchanged, then with each fill (`BACKGROUND_FILLS` order). */
  base: z.number(),
  variants: z.array(z.number()).length(4),
  /** The class each fill gives. */
  variantClasses: z.array(z.number().int()).length(4),
  dependence: z.number(),
  centreDependence: z.number(),
  flips: z.boolean(),
  flippedTo: z.number().int().nullable(),
});
export type BackgroundResult = z.infer<typeof BackgroundResult>;

export const BackgroundImage = BackgroundResult.extend({
  index: z.number().int().nonnegative(),
  label: z.number().int(),
});
export type BackgroundImage = z.infer<typeof BackgroundImage>;

export const backgroundRequests = {
  /** Queues the background test of every test image of a finished, evaluated run. */
  runBackgroundTest: { input: BackgroundTestRequest, output: z.object({ job: JobInfo }) },
  /** The run's current background test (of its current evaluation), or null. */
  getBackgroundTest: { input: z.object({ runId: Id }), output: BackgroundSummary.nullable() },
  /** A page of the current background test's images, in test order or most dependent first. */
  listBackgroundImages: {
    input: z.object({
      runId: Id,
      order: z.enum(['index', 'dependence']).default('dependence'),
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(500).default(24),
    }),
    output: z.object({ total: z.number().int().nonnegative(), items: z.array(BackgroundImage) }),
  },
} as const satisfies Record<string, RequestSpec>;

export const backgroundEvents = {
  /** A background test of a run was stored. */
  runBackgroundTested: z.object({ runId: Id, summary: BackgroundSummary }),
} as const satisfies Record<string, z.ZodType>;
