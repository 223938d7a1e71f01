/** Explanation: Grad-CAM (and Grad-CAM++) of a finished run, with the checks that the maps mean something. */
import { z } from 'zod';
import { Id, JobInfo, type RequestSpec } from './common';

export const CamMethodName = z.enum(['gradcam', 'gradcampp']);
export type CamMethodName = z.infer<typeof CamMethodName>;
export const CAM_METHOD_LABELS: Record<CamMethodName, string> = { gradcam: 'Grad-CAM', gradcampp: 'Grad-CAM++' };

/** What is differentiated: the pre-softmax class score (default) or the softmax output (the seed). */
export const CamScore = z.enum(['logit', 'probability']);
export type CamScore = z.infer<typeof CamScore>;

/** How to explain a run: method, layer (default: the last conv layer), score, T for stochastic models. */
export const ExplainRequest = z.object({
  id: Id,
  method: CamMethodName.default('gradcam'),
  layer: z.string().min(1).optional(),
  score: CamScore.default('logit'),
  samples: z.number().int().min(2).max(1000).optional(),
  /** Explain this class (its index) for every image, instead of the predicted (and true) class. */
  targetClass: z.number().int().nonnegative().optional(),
});
export type ExplainRequest = z.input<typeof ExplainRequest>;

/** A run's Grad-CAM over its test set, with the checks that the maps mean something. */
export const ExplanationSummary = z.object({
  method: CamMethodName,
  layer: z.string(),
  score: CamScore,
  /** The class every map explains, or null: the predicted class (and the true one where it differs). */
  targetClass: z.number().int().nonnegative().nullable().default(null),
  /** Samples per image: T (MC Grad-CAM), members (ensemble), or 1. */
  samples: z.number().int().positive(),
  images: z.number().int().nonnegative(),
  /** [height, width] of the stored maps (the layer's resolution). */
  mapShape: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  /** Deletion check: mean drop in the explained class's probability when the top share of pixels by CAM, or a random share, is replaced by the image mean. */
  deletion: z.array(z.object({ fraction: z.number(), deletionDrop: z.number(), randomDrop: z.number() })),
  /** The deletion check at 20 %. */
  deletionDrop: z.number(),
  randomDrop: z.number(),
  /**
   * ROAD (remove and debias): the mean drop when the same top (most relevant first) or bottom
   * (least relevant first) share of pixels by map is removed and filled by noisy linear
   * imputation instead of the image mean; empty for explanations made before it existed.
   */
  road: z.array(z.object({ fraction: z.number(), mostDrop: z.number(), leastDrop: z.number() })).default([]),
  /** ROAD's combined score, the mean of (MoRF drop − LeRF drop) / 2 over the fractions: higher is more faithful; null before ROAD. */
  roadScore: z.number().nullable().default(null),
  /** Mean share of the (predicted-class) map's mass in the image's outer ring (the border 25 % of the area). */
  meanBackground: z.number().nullable(),
  /** Over all pixels of all maps: the mean and the largest standard deviation over samples (null with one sample). */
  meanStd: z.number().nullable().default(null),
  maxStd: z.number().nullable().default(null),
  seconds: z.number().nonnegative(),
});
export type ExplanationSummary = z.infer<typeof ExplanationSummary>;

/** One test image's maps (row-major, mapShape), its prediction and its background share. */
export const ImageExplanation = z.object({
  index: z.number().int().nonnegative(),
  label: z.number().int(),
  predicted: z.number().int(),
  probability: z.number(),
  /** Map for the explained class (the predicted one, or the chosen `targetClass`), scaled to [0, 1]; the mean over samples for stochastic models. */
  map: z.array(z.number()),
  /** Standard deviation over samples (stochastic models and ensembles), else null. */
  std: z.array(z.number()).nullable(),
  /** Map for the true class when it differs from the predicted one. */
  trueMap: z.array(z.number()).nullable(),
  trueStd: z.array(z.number()).nullable(),
  background: z.number().nullable(),
});
export type ImageExplanation = z.infer<typeof ImageExplanation>;

/** One of a run's explanations (a run keeps every one made of it). */
export const ExplanationInfo = z.object({
  id: Id,
  createdAt: z.string(),
  summary: ExplanationSummary,
});
export type ExplanationInfo = z.infer<typeof ExplanationInfo>;

/** A run's explanations, newest first, and the one its pages show (null: it has none). */
export const RunExplanations = z.object({
  runId: Id,
  shownId: Id.nullable(),
  items: z.array(ExplanationInfo),
});
export type RunExplanations = z.infer<typeof RunExplanations>;

/** "predicted class" or "class truck": the class an explanation's maps explain. */
export function explainedClassLabel(targetClass: number | null, classes: readonly string[]): string {
  return targetClass === null ? 'predicted class' : `class ${classes[targetClass] ?? `#${targetClass}`}`;
}

/** "Grad-CAM++ · softmax · class truck": what an explanation explains, for pickers and captions. */
export function explanationLabel(summary: ExplanationSummary, classes: readonly string[]): string {
  const explained = explainedClassLabel(summary.targetClass, classes);
  return [
    CAM_METHOD_LABELS[summary.method],
    summary.score === 'logit' ? 'logit' : 'softmax',
    explained,
    ...(summary.samples > 1 ? [`T = ${summary.samples}`] : []),
  ].join(' · ');
}

/** Which explanation a request reads: one of the run's by id, or (absent) the one its pages show. */
const ExplanationId = Id.optional();

export const explanationRequests = {
  /** Computes Grad-CAM for every test image of a finished run, with the faithfulness check. */
  explainRun: { input: ExplainRequest, output: z.object({ job: JobInfo }) },
  /** The explanation the run's pages show (or `explanationId`, one of its own), or null when it has none. */
  getExplanation: {
    input: z.object({ runId: Id, explanationId: ExplanationId }),
    output: ExplanationSummary.nullable(),
  },
  /** Every explanation of the run, newest first, and which one its pages show. */
  listExplanations: { input: z.object({ runId: Id }), output: RunExplanations },
  /**
   * Makes one of the run's explanations the one its run page, gallery and case view show (stored:
   * it stays so across restarts, until the user picks another or a new explanation is made).
   */
  showExplanation: { input: z.object({ runId: Id, explanationId: Id }), output: RunExplanations },
  /** One test image's maps in the shown explanation (or `explanationId`), or null when it has none. */
  getExplanationImage: {
    input: z.object({ runId: Id, explanationId: ExplanationId, index: z.number().int().nonnegative() }),
    output: z
      .object({ explanationId: Id, mapShape: ExplanationSummary.shape.mapShape, image: ImageExplanation })
      .nullable(),
  },
  /** A page of the shown explanation's (or `explanationId`'s) per-image maps, in test order or most background-reliant first. */
  listExplanationImages: {
    input: z.object({
      runId: Id,
      explanationId: ExplanationId,
      order: z.enum(['index', 'background']).default('index'),
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(200).default(24),
    }),
    output: z.object({ total: z.number().int().nonnegative(), items: z.array(ImageExplanation) }),
  },
} as const satisfies Record<string, RequestSpec>;

export const explanationEvents = {
  /** An explanation (Grad-CAM) of a run was stored. */
  runExplained: z.object({ runId: Id, summary: ExplanationSummary }),
  /** The user picked which of a run's explanations its pages show. */
  explanationShown: z.object({ runId: Id, explanationId: Id }),
} as const satisfies Record<string, z.ZodType>;
