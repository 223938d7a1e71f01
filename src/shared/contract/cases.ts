/**
 * Cases: one image of a dataset, `(dataset, split, index)`, with every selected run's result for
 * it (from each run's current evaluation and explanation), the finder's reasons, and the user's
 * annotation (tags, a note), which belongs to the image and outlives runs and evaluations.
 */
import { z } from 'zod';
import { BIDI_CONTROL, Id, INVISIBLE, Split, UnicodeText } from './common';
import { BackgroundResult } from './background';
import { CamMethodName, CamScore } from './explanation';
import { MapRegion, MAX_MAP_POINTS } from './maps';
import { ModelFamily } from './runs';

export const PRESET_TAGS = ['interesting', 'mislabelled?', 'background bias', 'ambiguous'] as const;
/** Limits on what a user writes: a tag of at most 40 characters, a note of at most 10,000. */
export const MAX_TAG_LENGTH = 40;
export const MAX_NOTE_LENGTH = 10_000;
export const MAX_TAGS = 32;
/** The most tags one image may have, and the most changes of one image kept for undo. */
export const MAX_TAGS_PER_IMAGE = 64;
export const MAX_HISTORY_PER_IMAGE = 100;
/** The most runs a case list or the finder compares at once. */
export const MAX_CASE_RUNS = 8;

export const Tag = UnicodeText.trim()
  .min(1, 'a tag cannot be empty')
  .max(MAX_TAG_LENGTH, `a tag has at most ${MAX_TAG_LENGTH} characters`)
  .refine((tag) => [...tag].every((ch) => ch >= ' ' && ch !== '\u007f'), 'a tag cannot hold control characters')
  .refine(
    (tag) => !BIDI_CONTROL.test(tag),
    'a tag cannot hold bidirectional controls (such as a right-to-left override)',
  )
  .refine((tag) => !INVISIBLE.test(tag), 'a tag must have a visible character (not only zero-width or blank ones)');

/** A note: well-formed Unicode of at most MAX_NOTE_LENGTH characters. */
export const Note = UnicodeText.max(MAX_NOTE_LENGTH, `a note has at most ${MAX_NOTE_LENGTH} characters`);

export const CaseKey = z.object({
  datasetId: Id,
  split: Split.default('test'),
  index: z.number().int().nonnegative(),
});
export type CaseKey = z.output<typeof CaseKey>;

export const Annotation = z.object({
  datasetId: Id,
  split: Split,
  index: z.number().int().nonnegative(),
  tags: z.array(z.string()),
  note: z.string(),
  /** The run the note is about, if the user chose one (null once that run is deleted). */
  runId: Id.nullable(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type Annotation = z.infer<typeof Annotation>;

export const AnnotateRequest = CaseKey.extend({
  addTags: z.array(Tag).max(MAX_TAGS).default([]),
  removeTags: z.array(Tag).max(MAX_TAGS).default([]),
  /** Replaces the note; '' clears it. */
  note: Note.optional(),
  runId: Id.nullable().optional(),
});
export type AnnotateRequest = z.input<typeof AnnotateRequest>;

/** Undo the last annotation change of one image, or (no key) the last change of any image of the dataset. */
export const UndoAnnotationRequest = z.object({
  datasetId: Id,
  split: Split.optional(),
  index: z.number().int().nonnegative().optional(),
});

const Nullable = z.number().nullable();

/** One run's result for one image, from the run's current evaluation and explanation. */
export const CaseRunResult = z.object({
  runId: Id,
  model: ModelFamily,
  /** The run's name ("CNN #3" unless renamed). */
  runLabel: z.string(),
  /** The run's colour, `#rrggbb`. */
  runColour: z.string(),
  /** The run's seed group (its smallest run id, as RunSummary's `group`); null when alone. */
  group: Id.nullable(),
  predicted: z.number().int(),
  predictedClass: z.string(),
  correct: z.boolean(),
  confidence: z.number(),
  probabilities: z.array(z.number()),
  entropy: z.number(),
  mutualInformation: Nullable,
  variationRatio: Nullable,
  /** The class most samples vote for (stochastic runs; null for older evaluations). */
  majority: z.number().int().nullable(),
  /** The predicted class's Grad-CAM mass in the image's outer ring (null without an explanation). */
  background: Nullable,
  /** T: samples behind the probabilities (1 for a deterministic model). */
  samples: z.number().int().positive(),
  /** The background test of the run's current evaluation (null when it has none). */
  backgroundTest: BackgroundResult.nullable(),
});
export type CaseRunResult = z.infer<typeof CaseRunResult>;

export const CaseSummary = z.object({
  datasetId: Id,
  split: Split,
  index: z.number().int().nonnegative(),
  label: z.number().int(),
  trueClass: z.string(),
  tags: z.array(z.string()),
  note: z.string(),
  /** One entry per requested run that evaluated this image, in the requested order. */
  runs: z.array(CaseRunResult),
});
export type CaseSummary = z.infer<typeof CaseSummary>;

export const CaseSort = z.enum([
  'index',
  'confidence',
  'entropy',
  'mi',
  'variation',
  'background',
  'dependence',
  'disagreement',
]);
export type CaseSort = z.infer<typeof CaseSort>;

export const CaseOutcome = z.enum(['any', 'wrong', 'right', 'disagree', 'unstable']);
export type CaseOutcome = z.infer<typeof CaseOutcome>;

export const CaseFilter = z.object({
  /** Class index of the true label. */
  trueClass: z.number().int().nonnegative().optional(),
  /** Per run, the predicted class (all must hold). */
  predicted: z
    .array(z.object({ runId: Id, class: z.number().int().nonnegative() }))
    .max(MAX_CASE_RUNS)
    .default([]),
  /**
   * wrong: wrong in any run; right: right in every run; disagree: the runs predict different
   * classes; unstable: wrong in some but not all seeds of a seed group among the runs.
   */
  outcome: CaseOutcome.default('any'),
  tag: Tag.optional(),
  hasNote: z.boolean().optional(),
  /** Only the images in this region of a run's embedding map (a box or lasso selection). */
  region: MapRegion.optional(),
  /** Only these test images. */
  indices: z.array(z.number().int().nonnegative()).max(MAX_MAP_POINTS).optional(),
});
export type CaseFilter = z.input<typeof CaseFilter>;

export const CaseRuns = z
  .array(Id)
  .min(1, 'choose at least one run')
  .max(MAX_CASE_RUNS, `compare at most ${MAX_CASE_RUNS} runs`)
  .refine((ids) => new Set(ids).size === ids.length, 'a run is listed twice');

export const ListCasesRequest = z.object({
  runs: CaseRuns,
  filter: CaseFilter.default({ predicted: [], outcome: 'any' }),
  sort: CaseSort.default('index'),
  /** Default: ascending for index, descending (most first) for every other sort. */
  order: z.enum(['asc', 'desc']).optional(),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(500).default(100),
});
export type ListCasesRequest = z.input<typeof ListCasesRequest>;

/** How many cases of the filtered list fall in each sidebar group. */
export const CaseCounts = z.object({
  total: z.number().int().nonnegative(),
  /** The outcome facet counts without the outcome filter (as FiftyOne's facets): `any` is its "All". */
  any: z.number().int().nonnegative(),
  trueClass: z.record(z.string(), z.number().int().nonnegative()),
  wrong: z.number().int().nonnegative(),
  right: z.number().int().nonnegative(),
  disagree: z.number().int().nonnegative(),
  /** Wrong in some but not all seeds of a seed group (0 when the runs hold no group). */
  unstable: z.number().int().nonnegative(),
  noted: z.number().int().nonnegative(),
  tags: z.record(z.string(), z.number().int().nonnegative()),
});
export type CaseCounts = z.infer<typeof CaseCounts>;

export const CasePage = z.object({
  total: z.number().int().nonnegative(),
  items: z.array(CaseSummary),
  counts: CaseCounts,
});
export type CasePage = z.infer<typeof CasePage>;

export const FinderList = z.enum([
  'confidently-wrong',
  'uncertain',
  'disagree',
  'unstable',
  'background-reliant',
  'background-decided',
  'fragile',
  'mislabelled',
]);
export type FinderList = z.infer<typeof FinderList>;

export const FINDER_TITLES: Record<FinderList, string> = {
  'confidently-wrong': 'Confidently wrong',
  uncertain: 'Most uncertain',
  disagree: 'The runs disagree',
  unstable: 'Unstable across seeds',
  'background-reliant': 'Right, but looking at the background',
  'background-decided': 'Decided by the background',
  fragile: 'Fragile',
  mislabelled: 'Likely mislabelled',
};

/** Thresholds of the finder's lists; every one has a default. */
export const FinderThresholds = z.object({
  /** confidently wrong: wrong with at least this confidence. */
  confidence: z.number().min(0).max(1).default(0.9),
  /** background-reliant: at least this share of the map's mass in the outer ring. */
  background: z.number().min(0).max(1).default(0.5),
  /** fragile: a variation ratio at least this (or the samples' majority differs from the mean's class). */
  variation: z.number().min(0).max(1).default(0.3),
  /** likely mislabelled: every run predicts the same other class with at least this confidence. */
  mislabelled: z.number().min(0).max(1).default(0.9),
});
export type FinderThresholds = z.output<typeof FinderThresholds>;

export const FindCasesRequest = z.object({
  runs: CaseRuns,
  limit: z.number().int().positive().max(200).default(20),
  thresholds: FinderThresholds.default({ confidence: 0.9, background: 0.5, variation: 0.3, mislabelled: 0.9 }),
  lists: z.array(FinderList).optional(),
});
export type FindCasesRequest = z.input<typeof FindCasesRequest>;

export const FinderEntry = z.object({
  list: FinderList,
  datasetId: Id,
  split: Split,
  index: z.number().int().nonnegative(),
  trueClass: z.string(),
  /** One line a person can read: "wrong with 97 % confidence (truck, true deer) in CNN #1". */
  reason: z.string(),
  /** What the list is ranked by (higher first). */
  score: z.number(),
});
export type FinderEntry = z.infer<typeof FinderEntry>;

export const FinderResult = z.object({
  lists: z.array(
    z.object({
      list: FinderList,
      title: z.string(),
      /** How many cases qualify in all (the entries are the top `limit`). */
      total: z.number().int().nonnegative(),
      entries: z.array(FinderEntry),
    }),
  ),
});
export type FinderResult = z.infer<typeof FinderResult>;

/** A run's Grad-CAM maps of one image (row-major, mapShape), from its chosen explanation. */
export const CaseMaps = z.object({
  explanationId: Id,
  method: CamMethodName,
  score: CamScore.default('logit'),
  /** The class the maps explain for every image, or null: the predicted one (and the true one). */
  targetClass: z.number().int().nonnegative().nullable().default(null),
  layer: z.string(),
  mapShape: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  map: z.array(z.number()),
  std: z.array(z.number()).nullable(),
  trueMap: z.array(z.number()).nullable(),
  trueStd: z.array(z.number()).nullable(),
});
export type CaseMaps = z.infer<typeof CaseMaps>;

/** Tukey statistics of one class's sampled probability (R's boxplot.stats). */
export const Boxplot = z.object({
  stats: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()]),
  n: z.number().int(),
  conf: z.tuple([z.number(), z.number()]),
  out: z.array(z.number()),
});

export const CaseDetail = CaseSummary.extend({
  classes: z.array(z.string()),
  annotation: Annotation,
  runs: z.array(
    CaseRunResult.extend({
      /** Per class (stochastic runs and ensembles), else null. */
      boxplots: z.array(Boxplot).nullable(),
      maps: CaseMaps.nullable(),
      /** Whether the T samples behind the boxplots are stored (getCaseSamples). */
      samplesStored: z.boolean(),
    }),
  ),
  /** The finder's reasons that apply to this image over these runs. */
  reasons: z.array(FinderEntry),
  /** Runs the request named that no longer exist (deleted): left out, the others shown. */
  missingRuns: z.array(Id),
});
export type CaseDetail = z.infer<typeof CaseDetail>;

export const GetCaseRequest = CaseKey.extend({
  /** Default: every finished, evaluated run of the dataset (ensemble members left out). */
  runs: CaseRuns.optional(),
  /** Which explanation's maps to show (default: the newest one that explains the predicted class). */
  method: CamMethodName.optional(),
});
export type GetCaseRequest = z.input<typeof GetCaseRequest>;

export const CaseSamples = z.object({
  runId: Id,
  index: z.number().int().nonnegative(),
  /** T and K; values are sample-major, sample t's class k at t·K + k. */
  samples: z.number().int().positive(),
  classes: z.number().int().positive(),
  values: z.array(z.number()),
});
export type CaseSamples = z.infer<typeof CaseSamples>;

export const caseRequests = {
  /** A filtered, sorted page of the test images of one or several runs (same dataset), with sidebar counts. */
  listCases: { input: ListCasesRequest, output: CasePage },
  /** One image across runs: results, boxplot statistics, maps, reasons, annotation. */
  getCase: { input: GetCaseRequest, output: CaseDetail },
  /** The T sampled probability vectors behind a case's boxplots, or null when not stored. */
  getCaseSamples: {
    input: z.object({ runId: Id, index: z.number().int().nonnegative() }),
    output: CaseSamples.nullable(),
  },
  /** The interesting-case finder: ranked lists, each entry with its reason. */
  findCases: { input: FindCasesRequest, output: FinderResult },
  /** Adds/removes tags, replaces the note or the run it is about; saved at once. */
  annotate: { input: AnnotateRequest, output: Annotation },
  /** Clears an image's tags and note (undoable). */
  deleteAnnotation: { input: CaseKey, output: Annotation },
  /** Undoes the last annotation change (of one image, or of any image of the dataset); null when there is nothing to undo. */
  undoAnnotation: { input: UndoAnnotationRequest, output: Annotation.nullable() },
  /** Every annotated image of a dataset, newest change first. */
  listAnnotations: { input: z.object({ datasetId: Id }), output: z.array(Annotation) },
} as const;

export const caseEvents = {
  /** An image's annotation changed (an empty annotation: its tags and note were cleared). */
  annotationChanged: z.object({ annotation: Annotation }),
} as const;
