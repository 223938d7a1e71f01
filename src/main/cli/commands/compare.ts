import {
  CompareRunsRequest,
  DEFAULT_BOOTSTRAP,
  STAT_METRIC_INFO,
  describeZodError,
  type CompareStats,
} from '../../../shared/contract';
import { compareRuns } from '../../lab/evaluation/compare-runs';
import { formatDifference, formatP } from '../../lab/evaluation/stats/sentence';
import { openDatabase } from '../../lab/store/database';
import { DatasetStore } from '../../lab/store/datasets';
import { EvaluationStore } from '../../lab/store/evaluations';
import { RunStore } from '../../lab/store/runs';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { runIdsOption } from '../cases';
import { printUsage, type Command } from '../command';
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

const value = (metric: keyof typeof STAT_METRIC_INFO, v: number | null): string =>
  v === null ? '–' : metric === 'accuracy' ? `${(v * 100).toFixed(1)} %` : v.toFixed(4);

function textTable(stats: CompareStats): string {
  const label = (id: number): string => stats.runs.find((r) => r.runId === id)?.label ?? `run ${id}`;
  const head = ['metric', ...stats.runs.map((r) => label(r.runId))];
  const rows: string[][] = [head];
  for (const metric of Object.keys(STAT_METRIC_INFO) as (keyof typeof STAT_METRIC_INFO)[]) {
    const info = STAT_METRIC_INFO[metric];
    rows.push([
      `${info.label} ${info.better === 'higher' ? '↑' : '↓'}`,
      ...stats.runs.map(({ runId }) => {
        const e = stats.estimates.find((x) => x.metric === metric && x.runId === runId);
        const ci = e?.ci ? ` [${value(metric, e.ci[0])}, ${value(metric, e.ci[1])}]` : '';
        const best = stats.best.find((b) => b.metric === metric)?.runId === runId ? ' ★' : '';
        return `${value(metric, e?.value ?? null)}${ci}${best}`;
      }),
    ]);
    const diffs = stats.runs.map(({ runId }) => stats.differences.find((d) => d.metric === metric && d.runId === runId));
    if (diffs.some((d) => d !== undefined))
      rows.push([
        `  Δ to ${label(stats.baseline)}`,
        ...diffs.map((d) =>
          d === undefined || d.difference === null || d.ci === null
            ? ''
            : `${formatDifference(metric, d.difference)} [${formatDifference(metric, d.ci[0])}, ${formatDifference(metric, d.ci[1])}] ${formatP(stats.correction === 'Holm' ? d.pAdjusted : d.p)}${d.significant ? ' *' : ''}`,
        ),
      ]);
  }
  const widths = head.map((_, c) => Math.max(...rows.map((row) => row[c]?.length ?? 0)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');
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
    io.stdout(
      `${stats.runs.length} runs, 95 % percentile bootstrap intervals over test images (B = ${stats.bootstrap.toLocaleString('en-GB')}, seed ${stats.seed}); differences to ${stats.runs.find((r) => r.runId === stats.baseline)?.label ?? ''}, paired; ${stats.correction === 'Holm' ? "p-values corrected with Holm's method" : 'no correction (one difference per metric)'}; * p < 0.05.\n\n`,
    );
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
