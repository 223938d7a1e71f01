import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { CIFAR10_MD5, CIFAR10_URL, type Progress } from '../../../shared/contract';
import { checkPath, ImportError } from './types';

const PROGRESS_STEP_BYTES = 1 << 20;

export interface ResolveArchiveOptions {
  /** Expected md5 (hex); when absent, only the official CIFAR-10 URL is checked (against CIFAR10_MD5). */
  md5?: string;
  /** Where a download is written; defaults to the system's temporary folder. */
  cacheDir?: string;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
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
 * which is deleted again if the download or the md5 check fails.
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
  const response = await request(url, options.signal);
  const dir = options.cacheDir ?? tmpdir();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `casebook-${randomUUID()}-${downloadName(url)}`);
  try {
    const digests = await saveBody(response, { url, file, ...options });
    checkMd5({ source: url, expected: options.expectedMd5, actual: digests.md5 });
    return { file, ...digests, temporary: true };
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

async function request(url: string, signal: AbortSignal | undefined): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal: signal ?? null, redirect: 'follow' });
  } catch (error) {
    throw networkError(error, url);
  }
  if (!response.ok) {
    await response.body?.cancel();
    const text = response.statusText ? ` ${response.statusText}` : '';
    throw new ImportError(`download of ${url} failed: HTTP ${response.status}${text}`);
  }
  if (!response.body) throw new ImportError(`download of ${url} failed: the response has no body`);
  return response;
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

async function saveBody(
  response: Response,
  target: { url: string; file: string; onProgress?: (progress: Progress) => void; signal?: AbortSignal },
): Promise<Digests> {
  const header = response.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  const digester = new Digester();
  const report = byteProgress('downloading', total, target.onProgress);
  report(0);
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  try {
    await pipeline(body, digestStage(digester, report), createWriteStream(target.file), { signal: target.signal });
  } catch (error) {
    if (error instanceof Error && 'path' in error && error.path === target.file) {
      throw new ImportError(`cannot write the download of ${target.url} to ${target.file}: ${error.message}`);
    }
    throw networkError(error, target.url);
  }
  if (total !== null && digester.bytes !== total) {
    throw new ImportError(`download of ${target.url} stopped after ${digester.bytes} of ${total} bytes`);
  }
  report(digester.bytes, true);
  return digester.digests();
}

/** A readable file name for the download, from the URL's last path segment. */
function downloadName(url: string): string {
  const name = basename(new URL(url).pathname).replace(/[^\w.-]/g, '_');
  return name.length > 0 ? name : 'archive.tar.gz';
}
