import { ListCasesRequest, type CaseSummary } from '../../../shared/contract';
import { describeZodError } from '../../../shared/contract';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { printUsage, type Command } from '../command';
import { DB_HELP, databasePath } from '../lab';
import { caseFilterOption, openCases, runIdsOption } from '../cases';

export const casesCommand: Command = {
  name: 'cases',
  summary: 'list the test images of one or several runs, filtered and sorted',
  usage: `Usage: casebook cases --runs <ids> [options]

Lists the test images of the runs (all on one dataset), each with every run's prediction from
its current evaluation, filtered and sorted in the database.

  --runs <ids>       comma-separated run ids, e.g. 1,2,3
  --filter <f>       wrong (in any run), right (in every run), disagree (the runs differ),
                     unstable (wrong in some but not all seeds of a seed group),
                     tag:<tag>, class:<name> (true class), note (has a note); repeat to combine
  --sort <key>       index (default), confidence, entropy, mi, variation, background,
                     dependence (the background test's), disagreement
  --order <o>        asc or desc (default: desc, except index)
  --limit <n>        at most n cases (default 100, at most 500)
  --offset <n>       skip the first n (default 0)
${DB_HELP}
  --json             one JSON object per case on stdout:
                     {dataset, split, index, trueClass, tags, note, runs: [{runId, predicted,
                     confidence, correct, entropy, mutualInformation, backgroundShare,
                     backgroundDependence, backgroundFlips}]} (null: no such value)
  -h, --help         show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    runs: { type: 'string' },
    filter: { type: 'string', multiple: true },
    sort: { type: 'string' },
    order: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, casesCommand);
  const runs = runIdsOption(values.runs);
  const { cases, close, classesOf } = openCases(databasePath(values.db));
  try {
    const classes = classesOf(runs);
    const filter = caseFilterOption(values.filter, classes);
    const request = ListCasesRequest.safeParse({
      runs,
      filter,
      sort: values.sort,
      order: values.order,
      limit: intOption(values.limit, 'limit', { min: 1 }),
      offset: intOption(values.offset, 'offset'),
    });
    if (!request.success) throw new UsageError(describeZodError(request.error));
    const page = cases.list(request.data);
    for (const item of page.items) io.stdout(values.json ? `${JSON.stringify(caseLine(item))}\n` : plain(item));
    if (!values.json) io.stderr(`${page.items.length} of ${page.total} case(s)\n`);
    return 0;
  } finally {
    close();
  }
}

/** The documented JSON line of a case. */
export function caseLine(item: CaseSummary) {
  return {
    dataset: item.datasetId,
    split: item.split,
    index: item.index,
    trueClass: item.trueClass,
    tags: item.tags,
    note: item.note,
    runs: item.runs.map((r) => ({
      runId: r.runId,
      predicted: r.predictedClass,
      confidence: r.confidence,
      correct: r.correct,
      entropy: r.entropy,
      mutualInformation: r.mutualInformation,
      backgroundShare: r.background,
      backgroundDependence: r.backgroundTest?.dependence ?? null,
      backgroundFlips: r.backgroundTest?.flips ?? null,
    })),
  };
}

function plain(item: CaseSummary): string {
  const runs = item.runs
    .map((r) => `${r.runLabel} ${r.correct ? '' : '✗ '}${r.predictedClass} ${(r.confidence * 100).toFixed(0)} %`)
    .join(' · ');
  const tags = item.tags.length > 0 ? `  [${item.tags.join(', ')}]` : '';
  return `${item.split}/${String(item.index).padEnd(5)} ${item.trueClass.padEnd(12)} ${runs}${tags}\n`;
}
