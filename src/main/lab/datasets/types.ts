import { stat } from 'node:fs/promises';
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

/**
 * The size of an archive file, or the check that a folder exists: one clear ImportError for a
 * missing path, an unreadable one, or the wrong kind (a folder given as an archive, or the reverse).
 */
export async function checkPath(path: string, kind: 'archive' | 'folder'): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ImportError(`no such ${kind === 'folder' ? 'folder' : 'file'}: ${path}`);
    throw new ImportError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (kind === 'archive' && info.isDirectory()) {
    throw new ImportError(
      `${path} is a folder, not an archive file; to import a folder of images, import it as a folder`,
    );
  }
  if (kind === 'folder' && !info.isDirectory()) {
    throw new ImportError(`${path} is not a folder; a folder import needs a folder with one sub-folder per class`);
  }
  return info.size;
}
