/**
 * Atomic file writes: everything goes to a temporary file beside the target, which is flushed to
 * disk and then renamed over it. A crash, a full disk or an error half-way leaves any existing
 * file untouched and no partial output (the temporary file is removed on failure).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes chunks one after another; the caller never holds the whole file. */
export type ChunkWriter = (chunk: string | Uint8Array) => void;

/**
 * Runs `produce` with a writer onto a temporary file, then renames it to `file`. If `produce`
 * throws, the temporary file is removed and `file` keeps its old content (or stays absent).
 */
export function writeAtomically<T>(file: string, produce: (write: ChunkWriter) => T): T {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx');
  let closed = false;
  try {
    const result = produce((chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
    });
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(temp, file);
    return result;
  } catch (error) {
    if (!closed) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Writes one buffer or string atomically. */
export function writeFileAtomically(file: string, data: string | Uint8Array): void {
  writeAtomically(file, (write) => write(data));
}
