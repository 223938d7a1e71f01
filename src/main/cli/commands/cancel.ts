import { setTimeout as sleep } from 'node:timers/promises';
import { intOption, parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
import { printUsage, type Command } from '../command';
import { cliLab, databasePath, DB_HELP } from '../lab';
import { describeRun, runLine } from './runs';

const DEFAULT_TIMEOUT_S = 30;
const POLL_MS = 200;

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'stop a run that is training, in whichever process trains it',
  usage: `Usage: casebook cancel --run <id> [options]

Asks the process that trains the run (the app, "casebook serve", "casebook resume", …) to stop
it, waits until it has stopped and prints its final state. A cancelled run can be resumed.

  --run <id>         the run to cancel
  --timeout <s>      how long to wait for the run to stop (default ${DEFAULT_TIMEOUT_S})
${DB_HELP}
  --json             print {"runId", "model", "status", "epochsDone", "testAccuracy"} on stdout
  -h, --help         show this help
`,
  async run(argv: string[], io: Io): Promise<number> {
    const values = parseOptions(argv, {
      run: { type: 'string' },
      timeout: { type: 'string' },
      ...COMMON_OPTIONS,
    });
    if (values.help) return printUsage(io, cancelCommand);
    const runId = requiredRunId(values.run);
    const timeout = intOption(values.timeout, 'timeout', { min: 1 }) ?? DEFAULT_TIMEOUT_S;
    const lab = cliLab(databasePath(values.db));
    try {
      let run = lab.cancelRun(runId);
      const deadline = Date.now() + timeout * 1000;
      while (run.status === 'queued' || run.status === 'running') {
        if (Date.now() > deadline) {
          const owner = lab.runOwner(runId);
          throw new Error(
            `run ${runId} is still ${run.status} after ${timeout} s${owner ? `; process ${owner.pid} has not stopped it yet` : ''}`,
          );
        }
        await sleep(POLL_MS);
        run = (await lab.request('getRun', { id: runId })).run;
      }
      if (values.json) io.stdout(`${JSON.stringify(runLine(run))}\n`);
      else io.stdout(`${describeRun(run)}\n`);
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};
