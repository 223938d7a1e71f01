import { MODEL_LABELS, type RunSummary } from '../../../shared/contract';
import { parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { printUsage, type Command } from '../command';
import { alignColumns } from '../format';
import { cliLab, databasePath, DB_HELP } from '../lab';

/** What the run commands print about a run with --json. */
export function runLine(run: RunSummary): {
  runId: number;
  name: string;
  colour: string;
  group: number | null;
  model: RunSummary['model'];
  status: RunSummary['status'];
  epochsDone: number;
  testAccuracy: number | null;
  agent: string | null;
} {
  return {
    runId: run.id,
    name: run.name,
    colour: run.colour,
    group: run.group,
    model: run.model,
    status: run.status,
    epochsDone: run.epochsDone,
    testAccuracy: run.testAccuracy,
    agent: run.agent,
  };
}

export function describeRun(run: RunSummary): string {
  const accuracy = run.testAccuracy === null ? '' : `, test accuracy ${run.testAccuracy.toFixed(4)}`;
  return `${MODEL_LABELS[run.model]} run ${run.id}: ${run.status} after ${run.epochsDone} epoch${run.epochsDone === 1 ? '' : 's'}${accuracy}${run.error ? ` (${run.error})` : ''}`;
}

function table(runs: RunSummary[]): string {
  const header = ['run', 'name', 'model', 'status', 'epochs', 'test acc', 'ensemble', 'agent', 'created'];
  const rows: string[][] = [
    header,
    ...runs.map((run) => [
      String(run.id),
      run.name,
      MODEL_LABELS[run.model],
      run.status,
      String(run.epochsDone),
      run.testAccuracy === null ? '-' : run.testAccuracy.toFixed(4),
      run.parentId === null ? '' : `member of ${run.parentId}`,
      run.agent ?? 'local',
      run.createdAt.slice(0, 19).replace('T', ' '),
    ]),
  ];
  return alignColumns(rows);
}

export const runsCommand: Command = {
  name: 'runs',
  summary: 'list the runs of a study database',
  usage: `Usage: casebook runs [options]

Lists every run, oldest first, with its status (runs left queued or running by a process that
is gone are shown interrupted), the epochs it finished and its test accuracy.

${DB_HELP}
  --json             one JSON object per run: {"runId", "name", "colour" (#rrggbb), "group" (null:
                     not in a seed group), "model", "status", "epochsDone", "testAccuracy", "agent"
                     (the training agent that trained it; null: the local worker)}
  -h, --help         show this help
`,
  async run(argv: string[], io: Io): Promise<number> {
    const values = parseOptions(argv, {
      ...COMMON_OPTIONS,
    });
    if (values.help) return printUsage(io, runsCommand);
    const lab = cliLab(databasePath(values.db));
    try {
      const runs = (await lab.request('listRuns', {})).reverse();
      if (values.json) for (const run of runs) io.stdout(`${JSON.stringify(runLine(run))}\n`);
      else io.stdout(runs.length === 0 ? 'No runs yet.\n' : `${table(runs)}\n`);
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};
