/**
 * The run bundle (`.casebook-run`): one zip holding a run — its ensemble members too — with
 * everything needed to look at it in another study database that holds the same dataset.
 *
 *   manifest.json                     format, version, Casebook version, the dataset (content
 *                                     hash, classes, shape, counts), the run tree, file checksums
 *   annotations.json                  every annotation of the dataset's images
 *   runs/<key>/epochs.json            per-epoch metrics
 *   runs/<key>/checkpoint-<kind>.json topology, weight specs, training state (best, last)
 *   runs/<key>/checkpoint-<kind>.bin  the weights blob, as stored
 *   runs/<key>/evaluation.json        the current evaluation: metrics and one row per image
 *   runs/<key>/evaluation.bin         the stored samples (uint16), referenced by offset
 *   runs/<key>/explanation-<n>.json   an explanation's summary and per-image rows
 *   runs/<key>/explanation-<n>.bin    its float32 maps, referenced by offset
 *
 * Binary columns live in .bin files and rows point at them as [offset, length] (null: none).
 */
import { z } from 'zod';
import { ModelFamily, Note, RunColour, RunName, RunStatus, Split, Tag } from '../../../shared/contract';

export const BUNDLE_FORMAT = 'casebook-run';
export const BUNDLE_VERSION = 1;
export const BUNDLE_EXTENSION = '.casebook-run';

const Json = z.unknown();
const Num = z.number();
const NullableNum = z.number().nullable();
const Count = z.number().int().nonnegative();
/** [offset, length] in the entry's .bin file. */
export const BlobRef = z.tuple([Count, Count]);
export type BlobRef = z.infer<typeof BlobRef>;

export const CheckpointKind = z.enum(['best', 'last']);

export interface BundleRun {
  /** The run's place in the bundle (`run-<id in the exporting database>`). */
  key: string;
  /** The run's name and colour (absent from bundles written before runs had them). */
  name?: string | undefined;
  colour?: string | undefined;
  model: z.infer<typeof ModelFamily>;
  config: unknown;
  status: z.infer<typeof RunStatus>;
  error: string | null;
  backend: string | null;
  params: number | null;
  epochsDone: number;
  bestEpoch: number | null;
  bestValLoss: number | null;
  trainSeconds: number;
  imagesPerSecond: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  checkpoints: z.infer<typeof CheckpointKind>[];
  evaluation: boolean;
  explanations: number;
  /** Which explanation (its n in explanation-<n>.json) the user picked to show; absent: the newest. */
  shownExplanation?: number;
  members: BundleRun[];
}

export const BundleRun: z.ZodType<BundleRun> = z.lazy(() =>
  z.object({
    key: z.string().regex(/^run-\d+$/),
    name: RunName.optional(),
    colour: RunColour.optional(),
    model: ModelFamily,
    config: Json,
    status: RunStatus,
    error: z.string().nullable(),
    backend: z.string().nullable(),
    params: z.number().int().nullable(),
    epochsDone: Count,
    bestEpoch: z.number().int().nullable(),
    bestValLoss: NullableNum,
    trainSeconds: Num,
    imagesPerSecond: NullableNum,
    testLoss: NullableNum,
    testAccuracy: NullableNum,
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    checkpoints: z.array(CheckpointKind),
    evaluation: z.boolean(),
    explanations: Count,
    shownExplanation: Count.optional(),
    members: z.array(BundleRun),
  }),
);

export const Manifest = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  casebookVersion: z.string(),
  exportedAt: z.string(),
  dataset: z.object({
    contentHash: z.string().regex(/^[0-9a-f]{64}$/),
    name: z.string(),
    classes: z.array(z.string()).min(1),
    shape: z.tuple([Count, Count, Count]),
    counts: z.record(Split, z.record(z.string(), Count)),
  }),
  run: BundleRun,
  annotations: Count,
  /** Every other entry of the zip: its size and sha256 (hex), checked before anything is read. */
  files: z.record(z.string(), z.object({ bytes: Count, sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});
export type Manifest = z.infer<typeof Manifest>;

export const Epochs = z.array(
  z.object({
    epoch: z.number().int().min(1),
    loss: Num,
    accuracy: Num,
    valLoss: NullableNum,
    valAccuracy: NullableNum,
    seconds: Num,
    imagesPerSecond: Num,
  }),
);

export const CheckpointEntry = z.object({
  epoch: z.number().int(),
  topology: Json,
  weightSpecs: Json,
  trainingConfig: Json.nullable(),
  state: Json.nullable(),
  savedAt: z.string(),
});

export const PredictionRow = z.object({
  idx: Count,
  label: Count,
  predicted: Count,
  confidence: Num,
  entropy: Num,
  mutualInformation: NullableNum,
  variationRatio: NullableNum,
  majority: z.number().int().nullable(),
  probabilities: z.array(Num),
  boxplots: Json.nullable(),
  /** The stored samples in evaluation.bin, or null. */
  samples: BlobRef.nullable(),
});
export type PredictionRow = z.infer<typeof PredictionRow>;

export const EvaluationEntry = z.object({
  samples: z.number().int().positive(),
  metrics: Json,
  createdAt: z.string(),
  predictions: z.array(PredictionRow),
});
export type EvaluationEntry = z.infer<typeof EvaluationEntry>;

export const ExplanationImageRow = z.object({
  idx: Count,
  label: Count,
  predicted: Count,
  probability: Num,
  background: NullableNum,
  map: BlobRef,
  std: BlobRef.nullable(),
  trueMap: BlobRef.nullable(),
  trueStd: BlobRef.nullable(),
});
export type ExplanationImageRow = z.infer<typeof ExplanationImageRow>;

export const ExplanationEntry = z.object({
  method: z.enum(['gradcam', 'gradcampp']),
  layer: z.string(),
  samples: z.number().int().positive(),
  summary: Json,
  createdAt: z.string(),
  images: z.array(ExplanationImageRow),
});
export type ExplanationEntry = z.infer<typeof ExplanationEntry>;

export const AnnotationEntry = z.object({
  split: Split,
  index: Count,
  tags: z.array(Tag),
  note: Note,
  /** The key of a bundled run the note is about, or null. */
  run: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const Annotations = z.array(AnnotationEntry);
export type AnnotationEntry = z.infer<typeof AnnotationEntry>;

export const runPath = (key: string, file: string): string => `runs/${key}/${file}`;
