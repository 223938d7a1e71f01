import type { Io } from './args';

/**
 * One `casebook <name>` command, in its own file under src/main/cli/commands/. `runCli` keeps a
 * table of them: the main usage lists each `summary`, `--help` and a usage error print `usage`.
 */
export interface Command {
  /** The word after `casebook`. */
  readonly name: string;
  /** One line for the main usage ("import a CIFAR-10 binary archive …"). */
  readonly summary: string;
  /** The full help text, starting `Usage: casebook <name> …`. */
  readonly usage: string;
  /**
   * Runs the command with the arguments after its name; resolves to the exit code (0 ok, 1
   * failed). Throw `UsageError` for a wrong command line (exit 2, usage printed); any other
   * error is printed as `casebook: <message>` (exit 1).
   */
  run(argv: string[], io: Io): Promise<number>;
}

/** The `--help` answer shared by every command. */
export function printUsage(io: Io, command: Command): number {
  io.stdout(command.usage);
  return 0;
}
