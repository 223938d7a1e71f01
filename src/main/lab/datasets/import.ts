import { rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { ImportRequestParsed, ImportResult, Progress } from '../../../shared/contract';
import type { DatasetStore } from '../store/datasets';
import { readCifarArchive } from './archive';
import { resolveArchive } from './download';
import { readImageFolder } from './folder';
import { sweepStaleDownloads } from './partials';
import type { NewDataset } from './types';
import type { DownloadTimeouts } from './watchdog';

export interface ImportOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** Where downloads go while they are read; defaults to the system's temporary folder. */
  cacheDir?: string;
  /** A download's timeouts (DOWNLOAD_TIMEOUTS unless given). */
  timeouts?: Partial<DownloadTimeouts>;
}

type ArchiveRequest = Extract<ImportRequestParsed, { kind: 'archive' }>;
type FolderRequest = Extract<ImportRequestParsed, { kind: 'folder' }>;

/**
 * Imports a CIFAR-10 archive (path or URL) or a folder of images into the store. The whole source
 * is read and checked before anything is written, and the store writes in one transaction, so a
 * failed or cancelled import leaves the store as it was. The same content imported again is
 * reused (`reused: true`), not stored twice. Cancelling throws an error named 'AbortError'.
 */
export async function importDataset(
  store: DatasetStore,
  request: ImportRequestParsed,
  options: ImportOptions = {},
): Promise<ImportResult> {
  try {
    const { dataset, skipped } =
      request.kind === 'archive' ? await readArchive(request, options) : await readFolder(request, options);
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: 'saving', done: 0, total: 1, unit: 'steps' });
    const stored = store.add(dataset);
    options.onProgress?.({ phase: 'saving', done: 1, total: 1, unit: 'steps' });
    return { ...stored, skipped };
  } catch (error) {
    throw options.signal?.aborted ? abortError(options.signal, error) : error;
  }
}

interface ReadDataset {
  dataset: NewDataset;
  skipped: ImportResult['skipped'];
}

async function readArchive(request: ArchiveRequest, options: ImportOptions): Promise<ReadDataset> {
  // leftovers of downloads whose process was killed (the app also sweeps at start)
  await sweepStaleDownloads({ dir: options.cacheDir });
  const archive = await resolveArchive(request.source, {
    md5: request.md5,
    cacheDir: options.cacheDir,
    timeouts: options.timeouts,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  try {
    const content = await readCifarArchive(archive.file, {
      classes: request.classes,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    const dataset: NewDataset = {
      name: request.name ?? `CIFAR-10 (${request.classes.join(', ')})`,
      kind: 'cifar10',
      source: request.source,
      sourceSha256: archive.sha256,
      content,
    };
    return { dataset, skipped: [] };
  } finally {
    if (archive.temporary) await rm(archive.file, { force: true });
  }
}

async function readFolder(request: FolderRequest, options: ImportOptions): Promise<ReadDataset> {
  const { content, skipped } = await readImageFolder(request.path, {
    testFraction: request.testFraction,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  const dataset: NewDataset = {
    name: request.name ?? (basename(resolve(request.path)) || request.path),
    kind: 'folder',
    source: request.path,
    sourceSha256: null,
    content,
  };
  return { dataset, skipped };
}

/** Whatever the signal's reason, a cancelled import ends in an error named 'AbortError'. */
function abortError(signal: AbortSignal, error: unknown): Error {
  if (error instanceof Error && error.name === 'AbortError') return error;
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const abort = new Error('the import was cancelled', { cause: reason });
  abort.name = 'AbortError';
  return abort;
}
