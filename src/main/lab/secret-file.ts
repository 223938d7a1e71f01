/**
 * A small file beside the study that holds a secret (the browser session's token, the agents'
 * queue URL with its password): written readable by this user only, atomically, and trusted on
 * reading only while it still is a plain file of this user that nobody else can read.
 */
import { chmodSync, lstatSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

/** Why the file cannot be trusted to hold a secret (null: it can). Throws when it cannot be read at all. */
export function secretFileProblem(file: string): string | null {
  const info = lstatSync(file); // a symbolic link is not trusted: the file is replaced on save
  if (!info.isFile()) return `${file} is not a plain file`;
  if (process.platform === 'win32') return null; // no POSIX modes: the user's profile folder protects it
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    return `${file} belongs to another user (uid ${info.uid})`;
  }
  if ((info.mode & 0o077) !== 0) {
    return `${file} was readable by others (mode ${(info.mode & 0o777).toString(8)})`;
  }
  return null;
}

/** Writes `text` to `file` with mode 0600, through a temporary file renamed over it (a crash leaves the old file or the new one). */
export function writeSecretFile(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: 'w' });
    chmodSync(temporary, 0o600); // a leftover temporary file keeps its old mode
    renameSync(temporary, file);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was written
    }
    throw error;
  }
}
