import { parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
import { printUsage, type Command } from '../command';
import { cliLab, databasePath, DB_HELP } from '../lab';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a run with its epochs, checkpoints, evaluations and explanations',
  usage: `Usage: casebook delete --run <id> [options]

Deletes a run with its epochs, checkpoints, evaluations and explanations (an ensemble with its
members). Refused while a process trains the run; annotations of images are kept.

  --run <id>         the run to delete
${DB_HELP}
  --json             print {"deleted": [ids]} on stdout
  -h, --help         show this help
`,
  async run(argv: string[], io: Io): Promise<number> {
    const values = parseOptions(argv, {
      run: { type: 'string' },
      ...COMMON_OPTIONS,
    });
    if (values.help) return printUsage(io, deleteCommand);
    const runId = requiredRunId(values.run);
    const lab = cliLab(databasePath(values.db));
    try {
      const deleted = lab.deleteRun(runId);
      if (values.json) io.stdout(`${JSON.stringify({ deleted })}\n`);
      else
        io.stdout(
          `Deleted run ${runId}${deleted.length > 1 ? ` and its members ${deleted.slice(1).join(', ')}` : ''}.\n`,
        );
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};
