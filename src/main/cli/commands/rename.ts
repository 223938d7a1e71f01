import { z } from 'zod';
import { RunColour, RunName, type RunSummary } from '../../../shared/contract';
import { parseOptions, requiredRunId, UsageError, type Io, COMMON_OPTIONS } from '../args';
import { printUsage, type Command } from '../command';
import { cliLab, databasePath, DB_HELP } from '../lab';
import { runLine } from './runs';

const Identity = z.object({ name: RunName.optional(), colour: RunColour.optional() });

/** The new name and colour, checked as the app's requests check them; a usage error names the option. */
function parseIdentity(values: { name?: string | undefined; colour?: string | undefined }): {
  name?: string | undefined;
  colour?: string | undefined;
} {
  if (values.name === undefined && values.colour === undefined)
    throw new UsageError('give --name <text>, --colour <#rrggbb> or both');
  const parsed = Identity.safeParse(values);
  if (!parsed.success)
    throw new UsageError(parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '));
  return parsed.data;
}

export const renameCommand: Command = {
  name: 'rename',
  summary: 'rename a run or set its colour (as legends, captions and every screen show it)',
  usage: `Usage: casebook rename --run <id> [--name <text>] [--colour <#rrggbb>] [options]

Renames a run and/or sets its colour: what every screen, exported figure and report shows for
it. A name is 1–80 characters on one line (names need not be unique); a colour is #rrggbb.

  --run <id>         the run
  --name <text>      its new name, e.g. "CNN, lr 3e-4"
  --colour <#rrggbb> its new colour, e.g. '#0072b2' (quote the #)
${DB_HELP}
  --json             print the run as "casebook runs --json" does
  -h, --help         show this help
`,
  async run(argv: string[], io: Io): Promise<number> {
    const values = parseOptions(argv, {
      run: { type: 'string' },
      name: { type: 'string' },
      colour: { type: 'string' },
      ...COMMON_OPTIONS,
    });
    if (values.help) return printUsage(io, renameCommand);
    const runId = requiredRunId(values.run);
    const identity = parseIdentity(values);
    const lab = cliLab(databasePath(values.db));
    try {
      let run: RunSummary = (await lab.request('getRun', { id: runId })).run;
      if (identity.name !== undefined) run = lab.renameRun(runId, identity.name);
      if (identity.colour !== undefined) run = lab.setRunColour(runId, identity.colour);
      if (values.json) io.stdout(`${JSON.stringify(runLine(run))}\n`);
      else io.stdout(`Run ${run.id} is now "${run.name}" (${run.colour}).\n`);
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};
