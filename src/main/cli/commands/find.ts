import { FindCasesRequest, FinderList } from '../../../shared/contract';
import { describeZodError } from '../../../shared/contract';
import { UsageError, intOption, listOption, numberOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { openCases, runIdsOption } from '../cases';
import { printUsage, type Command } from '../command';
import { DB_HELP, databasePath } from '../lab';

export const findCommand: Command = {
  name: 'find',
  summary: 'the interesting-case finder: ranked lists of test images, each with its reason',
  usage: `Usage: casebook find --runs <ids> [options]

Ranks the test images of the runs (all on one dataset) in lists, each entry with a one-line
reason: confidently-wrong, uncertain (mutual information, then entropy), disagree (the runs
differ), background-reliant (right, but the Grad-CAM map sits on the border), fragile (the
samples' majority differs from their mean, or a high variation ratio), mislabelled (every run
confidently agrees on another class).

  --runs <ids>             comma-separated run ids, e.g. 1,2,3
  --lists <names>          only these lists (default: all six)
  --limit <n>              entries per list (default 20)
  --confidence <p>         confidently wrong from this confidence (default 0.9)
  --background <share>     background-reliant from this share of the map (default 0.5)
  --variation <ratio>      fragile from this variation ratio (default 0.3)
  --mislabelled <p>        likely mislabelled: every run at least this confident (default 0.9)
${DB_HELP}
  --json                   one JSON object per entry on stdout: {list, dataset, split, index, reason}
  -h, --help               show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    runs: { type: 'string' },
    lists: { type: 'string' },
    limit: { type: 'string' },
    confidence: { type: 'string' },
    background: { type: 'string' },
    variation: { type: 'string' },
    mislabelled: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, findCommand);
  const runs = runIdsOption(values.runs);
  const lists = listOption(values.lists)?.map((name) => {
    const parsed = FinderList.safeParse(name);
    if (!parsed.success)
      throw new UsageError(`--lists: unknown list "${name}"; choose from ${FinderList.options.join(', ')}`);
    return parsed.data;
  });
  const thresholds = Object.fromEntries(
    (['confidence', 'background', 'variation', 'mislabelled'] as const).flatMap((name) => {
      const value = numberOption(values[name], name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const request = FindCasesRequest.safeParse({
    runs,
    limit: intOption(values.limit, 'limit', { min: 1 }),
    thresholds,
    lists,
  });
  if (!request.success) throw new UsageError(describeZodError(request.error));
  const { cases, close } = openCases(databasePath(values.db));
  try {
    const result = cases.find(request.data);
    for (const list of result.lists) {
      if (!values.json) io.stdout(`${list.title} (${list.entries.length} of ${list.total})\n`);
      for (const entry of list.entries) {
        if (values.json)
          io.stdout(
            `${JSON.stringify({ list: entry.list, dataset: entry.datasetId, split: entry.split, index: entry.index, reason: entry.reason })}\n`,
          );
        else io.stdout(`  ${entry.split}/${String(entry.index).padEnd(5)} ${entry.reason}\n`);
      }
    }
    return 0;
  } finally {
    close();
  }
}
