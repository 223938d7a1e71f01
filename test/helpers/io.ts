import type { Io } from '../../src/main/cli/args';

/** Captures what a CLI command writes. */
export function captureIo(): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    interactive: false,
    out: () => out,
    err: () => err,
  };
}
