/** Datasets: importing them, listing them, paging through their images. */
import { z } from 'zod';
import { Empty, Id, JobInfo, Split, type RequestSpec } from './common';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;
export const DEFAULT_CLASSES = ['deer', 'frog', 'truck'] as const;
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

const ClassCounts = z.record(z.string(), z.number().int().nonnegative());

export const DatasetSummary = z.object({
  id: Id,
  name: z.string(),
  source: z.string(),
  kind: z.enum(['cifar10', 'folder']),
  classes: z.array(z.string()),
  counts: z.object({ train: ClassCounts, test: ClassCounts }),
  imageShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  contentHash: z.string(),
  sourceSha256: z.string().nullable(),
  createdAt: z.string(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const SkippedFile = z.object({ file: z.string(), reason: z.string() });
export type SkippedFile = z.infer<typeof SkippedFile>;

export const ImportResult = z.object({
  dataset: DatasetSummary,
  /** true when the same content was already stored and the import reused it. */
  reused: z.boolean(),
  skipped: z.array(SkippedFile),
});
export type ImportResult = z.infer<typeof ImportResult>;

const Md5 = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/, 'an md5 is 32 hexadecimal digits')
  .transform((s) => s.toLowerCase());

export const ImportArchiveRequest = z.object({
  kind: z.literal('archive'),
  /** A local path or an http(s) URL; defaults to the official CIFAR-10 URL. */
  source: z.string().min(1).default(CIFAR10_URL),
  classes: z
    .array(z.string().min(1))
    .min(1)
    .default([...DEFAULT_CLASSES]),
  md5: Md5.optional(),
  name: z.string().min(1).optional(),
});
export const ImportFolderRequest = z.object({
  kind: z.literal('folder'),
  path: z.string().min(1),
  /** Share of each class put in the test split when the folder has no train/ and test/. */
  testFraction: z.number().gt(0).lt(1).default(0.2),
  name: z.string().min(1).optional(),
});
export const ImportRequest = z.discriminatedUnion('kind', [ImportArchiveRequest, ImportFolderRequest]);
export type ImportRequest = z.input<typeof ImportRequest>;
export type ImportRequestParsed = z.output<typeof ImportRequest>;

export const ImagePage = z.object({
  total: z.number().int().nonnegative(),
  items: z.array(z.object({ index: z.number().int().nonnegative(), label: z.number().int() })),
});
export type ImagePage = z.infer<typeof ImagePage>;

/** Where the renderer fetches a stored image (a PNG); the door decides the base. */
export const imagePath = (datasetId: number, split: Split, index: number): string =>
  `image/${datasetId}/${split}/${index}.png`;
export const IMAGE_PATH_PATTERN = /^\/?image\/(\d+)\/(train|test)\/(\d+)\.png$/;

export const datasetRequests = {
  listDatasets: { input: Empty, output: z.array(DatasetSummary) },
  getDataset: { input: z.object({ id: Id }), output: DatasetSummary },
  listImages: {
    input: z.object({
      datasetId: Id,
      split: Split,
      label: z.number().int().nonnegative().optional(),
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(1000).default(100),
    }),
    output: ImagePage,
  },
  startImport: { input: ImportRequest, output: z.object({ job: JobInfo }) },
} as const satisfies Record<string, RequestSpec>;

export const datasetEvents = {
  datasetsChanged: z.object({}),
} as const satisfies Record<string, z.ZodType>;
