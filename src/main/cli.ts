/**
 * `casebook`: the headless door onto the lab. One file per command under cli/commands/; this
 * module is the table of them, the main usage and the exit codes.
 * stdout carries results (one JSON object per line with --json); progress and logs go to stderr.
 */
import { UsageError, processIo, type Io } from './cli/args';
import type { Command } from './cli/command';
import { agentCommand } from './cli/commands/agent';
import { annotateCommand } from './cli/commands/annotate';
import { backgroundCommand } from './cli/commands/background';
import { cancelCommand } from './cli/commands/cancel';
import { compareCommand } from './cli/commands/compare';
import { deleteCommand } from './cli/commands/delete';
import { renameCommand } from './cli/commands/rename';
import { doctorCommand } from './cli/commands/doctor';
import { resumeCommand } from './cli/commands/resume';
import { runsCommand } from './cli/commands/runs';
import { casesCommand } from './cli/commands/cases';
import { evaluateCommand } from './cli/commands/evaluate';
import { explainCommand } from './cli/commands/explain';
import { exportCasesCommand } from './cli/commands/export-cases';
import { exportModelCommand } from './cli/commands/export-model';
import { exportRunCommand } from './cli/commands/export-run';
import { importRunCommand } from './cli/commands/import-run';
import { figureCommand } from './cli/commands/figure';
import { findCommand } from './cli/commands/find';
import { neighboursCommand } from './cli/commands/neighbours';
import { mapCommand } from './cli/commands/map';
import { importCommand } from './cli/commands/import';
import { reportCommand } from './cli/commands/report';
import { serveCommand } from './cli/commands/serve';
import { setupElectronCommand } from './cli/commands/setup-electron';
import { studyCommand } from './cli/commands/study';
import { VERSION } from './cli/version';
import { BUSY_MESSAGE, isBusy } from './lab/store/busy';

export { VERSION };
export { serve, type ServeOptions } from './cli/commands/serve';
export { QUICK } from './cli/commands/study';
export { prepareDesktop } from './desktop/prepare';

/** Every command, in the order the main usage lists them. */
const COMMANDS: readonly Command[] = [
  importCommand,
  serveCommand,
  studyCommand,
  evaluateCommand,
  explainCommand,
  mapCommand,
  backgroundCommand,
  runsCommand,
  resumeCommand,
  cancelCommand,
  deleteCommand,
  renameCommand,
  casesCommand,
  findCommand,
  neighboursCommand,
  compareCommand,
  annotateCommand,
  exportCasesCommand,
  exportRunCommand,
  importRunCommand,
  exportModelCommand,
  figureCommand,
  reportCommand,
  doctorCommand,
  agentCommand,
  setupElectronCommand,
];

function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 1;
  return `Usage: casebook <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`).join('\n')}

Run "casebook <command> --help" for a command's options.
`;
}

/** Runs one command line; resolves to the process exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = COMMANDS.find((candidate) => candidate.name === name);
  try {
    if (command) return await command.run(rest, io);
    switch (name) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(mainUsage());
        return name === undefined ? 2 : 0;
      case '--version':
        io.stdout(`${VERSION}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command "${name}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`casebook: ${error.message}\n\n${command?.usage ?? mainUsage()}`);
      return 2;
    }
    // SQLite's "database is locked" after its wait, said in words
    io.stderr(`casebook: ${isBusy(error) ? BUSY_MESSAGE : (error as Error).message}\n`);
    return 1;
  }
}

/** Entry point used by bin/casebook.mjs. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}
