import type { Split } from '../../../shared/contract';

/** One split of a dataset: labels index into `classes`; pixels are uint8, N × H × W × C (HWC). */
export interface SplitData {
  labels: Uint8Array;
  pixels: Uint8Array;
  /** Where each image came from (a file name for folder imports), if known. */
  origins?: string[];
}

export interface DatasetContent {
  classes: string[];
  shape: [height: number, width: number, channels: number];
  train: SplitData;
  test: SplitData;
}

export interface NewDataset {
  name: string;
  kind: 'cifar10' | 'folder';
  /** A path or URL, as the user gave it. */
  source: string;
  /** sha256 of the archive file imported, when there was one. */
  sourceSha256: string | null;
  content: DatasetContent;
}

export const SPLITS: readonly Split[] = ['train', 'test'];

export function imageCount(split: SplitData): number {
  return split.labels.length;
}

/** An error in what the user handed in: names the problem and the file or field. */
export class ImportError extends Error {
  override name = 'ImportError';
}
