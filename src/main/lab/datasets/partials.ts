import { randomUUID } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * Downloads are written as `casebook-<uuid>-<name>` and deleted when the import is done or has
 * failed. A process killed mid-download cannot delete its file; the sweep removes such leftovers
 * once they are old enough that no live download can own them (a live one writes at least every
 * idle timeout, and its file's mtime moves with it).
 */
const PARTIAL = /^casebook-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-/;

export const STALE_DOWNLOAD_MS = 60 * 60 * 1000;

/** A fresh download file name in `dir` for `url`. */
export function downloadPath(dir: string, url: string): string {
  return join(dir, `casebook-${randomUUID()}-${downloadName(url)}`);
}

/** A readable file name for the download, from the URL's last path segment. */
function downloadName(url: string): string {
  const name = basename(new URL(url).pathname).replace(/[^\w.-]/g, '_');
  return name.length > 0 ? name : 'archive.tar.gz';
}

export interface SweepOptions {
  /** The folder downloads go to; the system's temporary folder by default. */
  dir?: string;
  /** Files untouched for longer than this are removed; an hour by default. */
  maxAgeMs?: number;
  now?: number;
}

/**
 * Removes leftover downloads (`casebook-<uuid>-*` files, not folders) older than `maxAgeMs` from
 * `dir`; returns the paths removed. Never throws: a sweep is housekeeping, not part of an import.
 */
export async function sweepStaleDownloads(options: SweepOptions = {}): Promise<string[]> {
  const dir = options.dir ?? tmpdir();
  const cutoff = (options.now ?? Date.now()) - (options.maxAgeMs ?? STALE_DOWNLOAD_MS);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!PARTIAL.test(name)) continue;
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (!info.isFile() || info.mtimeMs >= cutoff) continue;
      await rm(path, { force: true });
      removed.push(path);
    } catch {
      // gone already (another process swept it) or not ours to remove: leave it
    }
  }
  return removed;
}
