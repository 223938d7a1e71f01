import type { RunSummary } from '../../../shared/contract';
import { openDatabase } from '../../lab/store/database';
import { openStores } from '../../lab/store/index';
import { parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
import { printUsage, type Command } from '../command';
import { cliLab, databasePath, DB_HELP } from '../lab';
import { progressPrinter } from '../progress';
import { onStopSignal } from '../signals';
import { describeRun, runLine } from './runs';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'continue an interrupted, failed or cancelled run to its end',
  usage: `Usage: casebook resume --run <id> [options]

Continues a run from its last finished epoch (or from scratch if it has none) and trains it to
the end in a worker process, with progress on stderr. Refused while another process trains the
run. Ctrl-C stops it resumable (interrupted at its last finished epoch).

  --run <id>         the run to resume
${DB_HELP}
  --json             print {"runId", "model", "status", "epochsDone", "testAccuracy"} on stdout
  -h, --help         show this help
`,
  async run(argv: string[], io: Io): Promise<number> {
    const values = parseOptions(argv, {
      run: { type: 'string' },
      ...COMMON_OPTIONS,
    });
    if (values.help) return printUsage(io, resumeCommand);
    const runId = requiredRunId(values.run);
    const progress = progressPrinter(io);
    const file = databasePath(values.db);
    const lab = cliLab(file, progress.update);
    let signalled = false;
    const unregister = onStopSignal(() => {
      signalled = true;
      void lab.shutdown();
    });
    try {
      const { run, job } = lab.resumeRun(runId);
      io.stderr(`Resuming run ${run.id} after epoch ${run.epochsDone}…\n`);
      const finished = await lab.jobs.finished(job.id);
      progress.done();
      // a signal may be closing the lab right now: read the outcome once it is closed
      await lab.shutdown();
      const final = storedRun(file, runId);
      if (values.json) io.stdout(`${JSON.stringify(runLine(final))}\n`);
      else io.stdout(`${describeRun(final)}\n`);
      if (signalled) return 130;
      if (finished.job.status !== 'done') {
        io.stderr(`the training of run ${runId} ${finished.job.status}: ${finished.job.error ?? ''}\n`);
        return 1;
      }
      return 0;
    } finally {
      progress.done();
      unregister();
      await lab.shutdown();
    }
  },
};

/** A run as stored, read on a connection of its own. */
function storedRun(databasePath: string, runId: number): RunSummary {
  const db = openDatabase(databasePath, { readonly: true });
  try {
    return openStores(db).runs.get(runId);
  } finally {
    db.close();
  }
}
