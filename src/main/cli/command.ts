import type { Io } from './args';

/** One `casebook` command: its name, a one-line summary, its usage text, and what it does. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Resolves to the exit code (0 ok, 1 failed, 2 usage; 130 stopped by a signal). */
  run(argv: string[], io: Io): Promise<number>;
}
