/**
 * Atomic file writes (tables, bundles, models, figures, reports): everything goes to a temporary
 * file beside the target, `.<name>.<pid>-<hex>.tmp`, which is flushed to disk and then renamed over
 * it. A crash, a full disk or an error half-way leaves any existing file untouched and no partial
 * output (the temporary file is removed on failure). A process killed half-way cannot remove its
 * temporary file: the next write of the same target removes those whose process is gone.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a process with this pid exists (EPERM: it exists, another user's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files of earlier writes of `file` whose process is gone (killed
 * mid-write); returns their paths. A live process's file is left alone. Never throws.
 */
export function sweepAbandonedWrites(file: string): string[] {
  const dir = dirname(file);
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(file))}\\.(\\d+)-[0-9a-f]+\\.tmp$`);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(join(dir, name));
  }
  return removed;
}

/** Writes chunks one after another; the caller never holds the whole file. */
export type ChunkWriter = (chunk: string | Uint8Array) => void;

/**
 * Runs `produce` with a writer onto a temporary file, then renames it to `file`. If `produce`
 * throws, the temporary file is removed and `file` keeps its old content (or stays absent).
 */
export function writeAtomically<T>(file: string, produce: (write: ChunkWriter) => T): T {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  sweepAbandonedWrites(file);
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

/** Writes one buffer or string atomically; a failure names the file. */
export function writeFileAtomically(file: string, data: string | Uint8Array): void {
  try {
    writeAtomically(file, (write) => write(data));
  } catch (error) {
    throw new Error(`could not write ${file}: ${(error as Error).message}`, { cause: error });
  }
}
