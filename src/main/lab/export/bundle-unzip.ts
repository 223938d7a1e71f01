/**
 * Inflating a run bundle's zip with bounded memory and work: only the entries asked for are
 * inflated, each no further than the size it may have; every other entry is skipped without
 * inflating a byte of it. fflate's streaming unzipper is fed a small slice at a time, so an entry
 * that inflates past its size is stopped within one slice's output (deflate inflates at most
 * 1032:1, so ≤ 16.5 MiB past it), whatever its zip headers claim.
 */
import { Unzip, UnzipInflate, unzipSync } from 'fflate';

/** Compressed bytes handed to the unzipper at a time. */
const SLICE = 16 * 1024;

export type ZipProblem = 'corrupt' | 'larger' | 'twice' | 'missing';

/** Why the entries could not be read: `entry` names the zip entry at fault (if one is). */
export class ZipEntryError extends Error {
  constructor(
    readonly problem: ZipProblem,
    readonly entry: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** The entry names of the zip's central directory (nothing is inflated); throws 'corrupt' if it has none. */
export function zipEntryNames(bytes: Uint8Array): Set<string> {
  const names = new Set<string>();
  try {
    unzipSync(bytes, {
      filter: (file) => {
        names.add(file.name);
        return false;
      },
    });
  } catch (error) {
    throw new ZipEntryError('corrupt', null, `the zip is corrupt or truncated (${(error as Error).message})`);
  }
  return names;
}

/**
 * Inflates the entries whose `limits` are given (name → the most bytes it may inflate to) and
 * returns them; entries not in `limits` are skipped. Throws a ZipEntryError as soon as an entry
 * inflates past its limit, appears twice, is corrupt, or (after the whole zip) is missing.
 */
export function inflateEntries(bytes: Uint8Array, limits: ReadonlyMap<string, number>): Map<string, Uint8Array> {
  const done = new Map<string, Uint8Array>();
  const started = new Set<string>();
  // a holder, not a variable: the callbacks set it
  const state: { failure: ZipEntryError | null } = { failure: null };
  const fail = (error: ZipEntryError) => (state.failure ??= error);
  const unzip = new Unzip((file) => {
    const limit = limits.get(file.name);
    if (limit === undefined || state.failure) return;
    if (started.has(file.name)) {
      fail(new ZipEntryError('twice', file.name, `${file.name} appears twice in the zip`));
      return;
    }
    started.add(file.name);
    const chunks: Uint8Array[] = [];
    let size = 0;
    file.ondata = (error, data, final) => {
      if (state.failure) return;
      if (error) {
        fail(new ZipEntryError('corrupt', file.name, `${file.name} is corrupt (${error.message})`));
        return;
      }
      size += data.byteLength;
      if (size > limit) {
        fail(new ZipEntryError('larger', file.name, `${file.name} inflates to more than its ${limit} bytes`));
        return;
      }
      chunks.push(data);
      if (final) done.set(file.name, concat(chunks, size));
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    for (let at = 0; at < bytes.byteLength && state.failure === null && done.size < limits.size; at += SLICE)
      unzip.push(bytes.subarray(at, at + SLICE), at + SLICE >= bytes.byteLength);
  } catch (error) {
    fail(new ZipEntryError('corrupt', null, `the zip is corrupt or truncated (${(error as Error).message})`));
  }
  if (state.failure) throw state.failure;
  for (const name of limits.keys())
    if (!done.has(name))
      throw started.has(name)
        ? new ZipEntryError('corrupt', name, `the zip is corrupt or truncated (${name} ends early)`)
        : new ZipEntryError('missing', name, `${name} is missing`);
  return done;
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0].slice();
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
