import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { CIFAR10_MD5, CIFAR10_URL, type Progress } from '../../../shared/contract';
import { ARCHIVE_LIMITS, megabytes } from './limits';
import { downloadPath } from './partials';
import { checkPath, ImportError } from './types';
import { DOWNLOAD_TIMEOUTS, DownloadWatchdog, type DownloadTimeouts } from './watchdog';

const PROGRESS_STEP_BYTES = 1 << 20;

export interface ResolveArchiveOptions {
  /** Expected md5 (hex); when absent, only the official CIFAR-10 URL is checked (against CIFAR10_MD5). */
  md5?: string;
  /** Where a download is written; defaults to the system's temporary folder. */
  cacheDir?: string;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** How long a download may wait for an answer and for each piece; DOWNLOAD_TIMEOUTS unless given. */
  timeouts?: Partial<DownloadTimeouts>;
  /**
   * The largest archive accepted, local or downloaded; by default the inflated-size limit (a
   * gzipped CIFAR-10 is smaller than its tar, a plain tar is its own size).
   */
  maxBytes?: number;
}

export interface ResolvedArchive {
  /** A local file to read. */
  file: string;
  sha256: string;
  md5: string;
  /** true for a download: the caller deletes `file` when done with it. */
  temporary: boolean;
}

/**
 * Turns what the user handed in (a local path, a file: URL or an http(s) URL) into a local file
 * with its sha256 and md5. A local file is used in place; a URL is downloaded to a temporary file,
 * which is deleted again if the download or the md5 check fails. A download that gets no answer
 * or stalls fails after its timeout, and anything larger than `maxBytes` is refused.
 */
export async function resolveArchive(source: string, options: ResolveArchiveOptions = {}): Promise<ResolvedArchive> {
  const expectedMd5 = (options.md5 ?? (source === CIFAR10_URL ? CIFAR10_MD5 : undefined))?.toLowerCase();
  if (/^https?:\/\//i.test(source)) return download(source, { ...options, expectedMd5 });
  const file = /^file:/i.test(source) ? fileURLToPath(source) : source;
  const digests = await hashLocalFile(file, options);
  checkMd5({ source, expected: expectedMd5, actual: digests.md5 });
  return { file, ...digests, temporary: false };
}

interface Digests {
  sha256: string;
  md5: string;
}

/** sha256 and md5 of bytes as they stream past. */
class Digester {
  private readonly sha256: Hash = createHash('sha256');
  private readonly md5: Hash = createHash('md5');
  bytes = 0;

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.md5.update(chunk);
    this.bytes += chunk.length;
  }

  digests(): Digests {
    return { sha256: this.sha256.digest('hex'), md5: this.md5.digest('hex') };
  }
}

/** Byte progress, reported at most once per PROGRESS_STEP_BYTES and always at the end. */
function byteProgress(phase: string, total: number | null, onProgress: ((progress: Progress) => void) | undefined) {
  let reported = -1;
  return (done: number, final = false): void => {
    if (!onProgress || (!final && reported >= 0 && done - reported < PROGRESS_STEP_BYTES)) return;
    reported = done;
    onProgress({ phase, done, total, unit: 'bytes' });
  };
}

/** A pipeline stage that hashes and reports progress without changing the bytes. */
function digestStage(digester: Digester, report: (done: number) => void) {
  return async function* (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      digester.update(chunk);
      report(digester.bytes);
      yield chunk;
    }
  };
}

async function hashLocalFile(file: string, options: ResolveArchiveOptions): Promise<Digests> {
  const size = await checkPath(file, 'archive');
  const maxBytes = options.maxBytes ?? ARCHIVE_LIMITS.inflatedBytes;
  if (size > maxBytes) throw tooLarge(file, `is ${size.toLocaleString('en-US')} bytes`, maxBytes);
  const digester = new Digester();
  const report = byteProgress('checking archive', size, options.onProgress);
  report(0);
  try {
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), digestStage(digester, report), discard, {
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') throw error;
    throw new ImportError(`cannot read ${file}: ${(error as Error).message}`);
  }
  report(digester.bytes, true);
  return digester.digests();
}

async function discard(source: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _chunk of source) {
    // hashed already; nothing to keep
  }
}

function tooLarge(source: string, what: string, maxBytes: number): ImportError {
  return new ImportError(
    `${source} ${what}, more than the ${megabytes(maxBytes)} an archive may have (CIFAR-10's is 170 MB); refusing it`,
  );
}

function checkMd5(check: { source: string; expected: string | undefined; actual: string }): void {
  if (check.expected === undefined || check.expected === check.actual) return;
  throw new ImportError(
    `${check.source} has md5 ${check.actual}, expected ${check.expected}: the file is damaged or not the archive meant`,
  );
}

async function download(
  url: string,
  options: ResolveArchiveOptions & { expectedMd5: string | undefined },
): Promise<ResolvedArchive> {
  const watchdog = new DownloadWatchdog(url, { ...DOWNLOAD_TIMEOUTS, ...options.timeouts }, options.signal);
  const maxBytes = options.maxBytes ?? ARCHIVE_LIMITS.inflatedBytes;
  try {
    const response = await request(url, watchdog, maxBytes);
    const dir = options.cacheDir ?? tmpdir();
    await mkdir(dir, { recursive: true });
    const file = downloadPath(dir, url);
    try {
      const digests = await saveBody(response, { url, file, watchdog, maxBytes, onProgress: options.onProgress });
      checkMd5({ source: url, expected: options.expectedMd5, actual: digests.md5 });
      return { file, ...digests, temporary: true };
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
  } finally {
    watchdog.stop();
  }
}

async function request(url: string, watchdog: DownloadWatchdog, maxBytes: number): Promise<Response> {
  let response: Response;
  watchdog.awaitResponse();
  try {
    response = await fetch(url, { signal: watchdog.signal, redirect: 'follow' });
  } catch (error) {
    throw watchdog.error ?? networkError(error, url);
  }
  if (!response.ok) {
    await response.body?.cancel();
    const text = response.statusText ? ` ${response.statusText}` : '';
    throw new ImportError(`download of ${url} failed: HTTP ${response.status}${text}`);
  }
  if (!response.body) throw new ImportError(`download of ${url} failed: the response has no body`);
  const total = contentLength(response);
  if (total !== null && total > maxBytes) {
    await response.body.cancel();
    throw tooLarge(url, `is ${megabytes(total)} (its content-length)`, maxBytes);
  }
  return response;
}

function contentLength(response: Response): number | null {
  const header = response.headers.get('content-length');
  return header !== null && /^\d+$/.test(header) ? Number(header) : null;
}

/** fetch reports network failures as "fetch failed" with the real reason in `cause`. */
function networkError(error: unknown, url: string): Error {
  if (error instanceof Error && error.name === 'AbortError') return error;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  const code = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
  const suffix = code && !message.includes(code) ? ` (${code})` : '';
  return new ImportError(`cannot download ${url}: ${message}${suffix}`);
}

interface SaveTarget {
  url: string;
  file: string;
  watchdog: DownloadWatchdog;
  maxBytes: number;
  onProgress?: ((progress: Progress) => void) | undefined;
}

async function saveBody(response: Response, target: SaveTarget): Promise<Digests> {
  const { url, file, watchdog, maxBytes } = target;
  const total = contentLength(response);
  const digester = new Digester();
  const report = byteProgress('downloading', total, target.onProgress);
  report(0);
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  const guard = async function* (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      watchdog.received(chunk.length);
      if (digester.bytes + chunk.length > maxBytes) throw tooLarge(url, 'is larger', maxBytes);
      yield chunk;
    }
  };
  watchdog.awaitBody();
  try {
    await pipeline(body, guard, digestStage(digester, report), createWriteStream(file), { signal: watchdog.signal });
  } catch (error) {
    if (watchdog.error) throw watchdog.error;
    if (error instanceof ImportError) throw error;
    if (error instanceof Error && 'path' in error && error.path === file) {
      throw new ImportError(`cannot write the download of ${url} to ${file}: ${error.message}`);
    }
    throw networkError(error, url);
  }
  if (total !== null && digester.bytes !== total) {
    throw new ImportError(`download of ${url} stopped after ${digester.bytes} of ${total} bytes`);
  }
  report(digester.bytes, true);
  return digester.digests();
}
