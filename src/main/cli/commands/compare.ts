import {
  CompareRunsRequest,
  DEFAULT_BOOTSTRAP,
  STAT_METRIC_INFO,
  describeZodError,
  type CompareStats,
} from '../../../shared/contract';
import { compareRuns } from '../../lab/evaluation/compare-runs';
import { statsMethod, statsTable } from '../../../shared/stats-format';
import { openDatabase } from '../../lab/store/database';
import { DatasetStore } from '../../lab/store/datasets';
import { EvaluationStore } from '../../lab/store/evaluations';
import { RunStore } from '../../lab/store/runs';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { runIdsOption } from '../cases';
import { printUsage, type Command } from '../command';
import { alignColumns } from '../format';
import { DB_HELP, databasePath } from '../lab';

export const compareCommand: Command = {
  name: 'compare',
  summary: 'metrics of runs with 95 % intervals, and their differences with paired tests',
  usage: `Usage: casebook compare --runs <ids> [options]

Every metric (accuracy, both AUCs, NLL, Brier, ECE, AURC) of each run's current evaluation with
a 95 % percentile bootstrap interval over its test images, and each run's difference to the
baseline with a paired interval (the same resampled images for both), a test (McNemar's exact
test for accuracy, the paired bootstrap for the others) and, with more than two runs, Holm's
correction. Runs tested on other images than the baseline are shown, never compared.

  --runs <ids>             comma-separated run ids, e.g. 1,2,3
  --baseline <id>          the run the differences are taken to (default: the first)
  --bootstrap <B>          bootstrap resamples (default ${DEFAULT_BOOTSTRAP})
  --seed <n>               seed of the resamples (default 0): the same seed, the same intervals
${DB_HELP}
  --json                   one JSON object per line: {metric, runId, value, ci: [lo, hi]} per
                           (metric, run), then {metric, runId, baseline, difference, ci: [lo, hi],
                           test, p, pAdjusted} per (metric, run, baseline)
  -h, --help               show this help
`,
  run,
};

function textTable(stats: CompareStats): string {
  const { head, rows: body } = statsTable(stats);
  // the differences indented under their metric
  return alignColumns([head, ...body.map((row) => (row[0]?.startsWith('Δ') ? [`  ${row[0]}`, ...row.slice(1)] : row))]);
}

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    runs: { type: 'string' },
    baseline: { type: 'string' },
    bootstrap: { type: 'string' },
    seed: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, compareCommand);
  const request = CompareRunsRequest.safeParse({
    runIds: runIdsOption(values.runs),
    baseline: intOption(values.baseline, 'baseline', { min: 1 }),
    bootstrap: intOption(values.bootstrap, 'bootstrap', { min: 1 }),
    seed: intOption(values.seed, 'seed', { min: 0 }),
  });
  if (!request.success) throw new UsageError(describeZodError(request.error).replace(/^runIds/, 'runs'));
  const db = openDatabase(databasePath(values.db));
  try {
    const stats = compareRuns(
      { runs: new RunStore(db), evaluations: new EvaluationStore(db), datasets: new DatasetStore(db) },
      request.data,
    );
    if (values.json) {
      for (const e of stats.estimates)
        io.stdout(`${JSON.stringify({ metric: e.metric, runId: e.runId, value: e.value, ci: e.ci })}\n`);
      for (const d of stats.differences)
        io.stdout(
          `${JSON.stringify({ metric: d.metric, runId: d.runId, baseline: d.baseline, difference: d.difference, ci: d.ci, test: d.test, p: d.p, pAdjusted: d.pAdjusted })}\n`,
        );
      return 0;
    }
    io.stdout(`${statsMethod(stats)}\n\n`);
    io.stdout(`${textTable(stats)}\n`);
    for (const n of stats.notComparable) io.stdout(`\n${n.reason}\n`);
    if (stats.differences.length > 0) {
      io.stdout('\nFor a write-up:\n');
      for (const d of stats.differences) io.stdout(`  ${d.sentence}\n`);
    }
    io.stdout('\nBest:\n');
    for (const b of stats.best) io.stdout(`  ${STAT_METRIC_INFO[b.metric].label}: ${b.note}\n`);
    return 0;
  } finally {
    db.close();
  }
}
