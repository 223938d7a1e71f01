import {
  CompareGroupsRequest,
  CompareRunsRequest,
  DEFAULT_BOOTSTRAP,
  STAT_METRIC_INFO,
  describeZodError,
  type CompareStats,
  type GroupCompareStats,
} from '../../../shared/contract';
import { compareGroups, compareRuns, type CompareSources } from '../../lab/evaluation/compare-runs';
import { formatDifference } from '../../../shared/stats-format';
import { statsMethod, statsTable } from '../../../shared/stats-format';
import { openDatabase } from '../../lab/store/database';
import { openStores } from '../../lab/store/index';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { runIdsOption } from '../cases';
import { printUsage, type Command } from '../command';
import { alignColumns } from '../format';
import { DB_HELP, databasePath } from '../lab';

export const compareCommand: Command = {
  name: 'compare',
  summary: 'metrics of runs with 95 % intervals, and their differences with paired tests',
  usage: `Usage: casebook compare (--runs <ids> | --groups <ids>) [options]

Every metric (accuracy, both AUCs, NLL, Brier, ECE, AURC) of each run's current evaluation with
a 95 % percentile bootstrap interval over its test images, and each run's difference to the
baseline with a paired interval (the same resampled images for both), a test (McNemar's exact
test for accuracy, the paired bootstrap for the others) and, with more than two runs, Holm's
correction. Runs tested on other images than the baseline are shown, never compared.

  --runs <ids>             comma-separated run ids, e.g. 1,2,3
  --groups <ids>           compare seed groups instead: each id is any run of a group (a run alone
                           is a group of one); each metric as mean ± sd and min–max over seeds,
                           each difference as the difference of the seed means with a 95 %
                           interval over seeds and test images
  --baseline <id>          the run (or a run of the group) the differences are taken to (default:
                           the first)
  --bootstrap <B>          bootstrap resamples (default ${DEFAULT_BOOTSTRAP})
  --seed <n>               seed of the resamples (default 0): the same seed, the same intervals
${DB_HELP}
  --json                   one JSON object per line: {metric, runId, value, ci: [lo, hi]} per
                           (metric, run), then {metric, runId, baseline, difference, ci: [lo, hi],
                           test, p, pAdjusted} per (metric, run, baseline); with --groups
                           {metric, groupId, mean, sd, min, max, seeds, runIds} per (metric, group),
                           then {metric, groupId, baseline, difference, ci, over, seeds}
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
    groups: { type: 'string' },
    baseline: { type: 'string' },
    bootstrap: { type: 'string' },
    seed: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, compareCommand);
  if (values.groups !== undefined) {
    if (values.runs !== undefined) throw new UsageError('give either --runs or --groups, not both');
    return runGroups(values, io);
  }
  const request = CompareRunsRequest.safeParse({
    runIds: runIdsOption(values.runs),
    baseline: intOption(values.baseline, 'baseline', { min: 1 }),
    bootstrap: intOption(values.bootstrap, 'bootstrap', { min: 1 }),
    seed: intOption(values.seed, 'seed', { min: 0 }),
  });
  if (!request.success) throw new UsageError(describeZodError(request.error).replace(/^runIds/, 'runs'));
  const db = openDatabase(databasePath(values.db));
  try {
    const stats = compareRuns(openStores(db), request.data);
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

function groupTable(stats: GroupCompareStats): string {
  const head = ['metric', ...stats.groups.map((g) => g.label)];
  const rows: string[][] = [head];
  for (const metric of [...new Set(stats.estimates.map((e) => e.metric))]) {
    const f = (v: number | null): string => (v === null ? '-' : formatDifference(metric, v));
    rows.push([
      STAT_METRIC_INFO[metric].label,
      ...stats.groups.map((g) => {
        const e = stats.estimates.find((x) => x.metric === metric && x.groupId === g.groupId);
        if (!e || e.mean === null) return '-';
        return `${f(e.mean)}${e.sd === null ? '' : ` ± ${f(e.sd)}`} [${f(e.min)}–${f(e.max)}]`;
      }),
    ]);
    const ds = stats.differences.filter((d) => d.metric === metric);
    if (ds.length > 0)
      rows.push([
        '  Δ to baseline',
        ...stats.groups.map((g) => {
          const d = ds.find((x) => x.groupId === g.groupId);
          if (!d) return g.groupId === stats.baseline ? 'baseline' : '';
          return d.difference === null || d.ci === null
            ? '-'
            : `${f(d.difference)} [${f(d.ci[0])}, ${f(d.ci[1])}]${d.significant ? ' *' : ''}`;
        }),
      ]);
  }
  const widths = head.map((_, c) => Math.max(...rows.map((row) => row[c]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function runGroups(
  values: { groups?: string; baseline?: string; bootstrap?: string; seed?: string; db?: string; json?: boolean },
  io: Io,
): Promise<number> {
  const request = CompareGroupsRequest.safeParse({
    groupIds: runIdsOption(values.groups),
    baseline: intOption(values.baseline, 'baseline', { min: 1 }),
    bootstrap: intOption(values.bootstrap, 'bootstrap', { min: 1 }),
    seed: intOption(values.seed, 'seed', { min: 0 }),
  });
  if (!request.success) throw new UsageError(describeZodError(request.error).replace(/^groupIds/, 'groups'));
  const db = openDatabase(databasePath(values.db));
  try {
    const sources: CompareSources = openStores(db);
    const stats = compareGroups(sources, request.data);
    if (values.json) {
      for (const e of stats.estimates) {
        const g = stats.groups.find((x) => x.groupId === e.groupId);
        io.stdout(
          `${JSON.stringify({ metric: e.metric, groupId: e.groupId, mean: e.mean, sd: e.sd, min: e.min, max: e.max, seeds: g?.seeds.length ?? 0, runIds: g?.runIds ?? [] })}\n`,
        );
      }
      for (const d of stats.differences)
        io.stdout(
          `${JSON.stringify({ metric: d.metric, groupId: d.groupId, baseline: d.baseline, difference: d.difference, ci: d.ci, over: d.over, seeds: d.seeds })}\n`,
        );
      return 0;
    }
    io.stdout(
      `Each metric as mean ± sd [min–max] over the group's seeds; differences of the seed means to ${stats.groups.find((g) => g.groupId === stats.baseline)?.label ?? 'the baseline'} with ${Math.round(stats.level * 100)} % intervals from a two-stage bootstrap (B = ${stats.bootstrap.toLocaleString('en-GB')}, seed ${stats.seed}); * the interval excludes 0.\n\n`,
    );
    io.stdout(`${groupTable(stats)}\n`);
    for (const g of stats.groups) for (const s of g.skipped) io.stdout(`\nLeft out: ${s.reason}\n`);
    for (const n of stats.notComparable) io.stdout(`\n${n.reason}\n`);
    if (stats.differences.length > 0) {
      io.stdout('\nFor a write-up:\n');
      for (const d of stats.differences) io.stdout(`  ${d.sentence}\n`);
    }
    return 0;
  } finally {
    db.close();
  }
}
