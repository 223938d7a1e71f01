import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';

/** A wrong command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (progress bars redraw in place). */
  interactive: boolean;
}

export const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict option parsing: unknown options, missing values and stray positionals are usage errors. */
export function parseOptions<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function intOption(
  value: string | undefined,
  name: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(
      `--${name} must be a whole number ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}, not "${value}"`,
    );
  return n;
}

export function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, not "${value}"`);
  return n;
}

export function listOption(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** An `--archive` value: an http(s) URL as given, anything else an absolute local path. */
export function localOrUrl(source: string): string {
  return /^https?:\/\//i.test(source) ? source : resolve(source);
}

/** The options every command takes: the database, JSON output, help. */
export const COMMON_OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** `--run <id>`, which the command needs. */
export function requiredRunId(value: string | undefined): number {
  const runId = intOption(value, 'run', { min: 1 });
  if (runId === undefined) throw new UsageError('--run <id> is required');
  return runId;
}
