import { DEFAULT_SUSPECT_SHARE, FindCasesRequest, FindSuspectsRequest, FinderList } from '../../../shared/contract';
import { NeighbourService } from '../../lab/features/service';
import { DatasetStore } from '../../lab/store/datasets';
import { EvaluationStore } from '../../lab/store/evaluations';
import { FeatureStore } from '../../lab/store/features';
import { RunStore } from '../../lab/store/runs';
import { TrainLabelCheckStore } from '../../lab/store/train-label-checks';
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
confidently agrees on another class); then training-mislabelled: training images whose nearest
training images nearly all carry another label, in every run with features.

  --runs <ids>             comma-separated run ids, e.g. 1,2,3
  --lists <names>          only these lists (default: all seven)
  --limit <n>              entries per list (default 20)
  --confidence <p>         confidently wrong from this confidence (default 0.9)
  --background <share>     background-reliant from this share of the map (default 0.5)
  --variation <ratio>      fragile from this variation ratio (default 0.3)
  --mislabelled <p>        likely mislabelled: every run at least this confident (default 0.9)
  --share <s>              training-mislabelled: at least this share of the 8 nearest training
                           images carry another label (default ${DEFAULT_SUSPECT_SHARE})
${DB_HELP}
  --json                   one JSON object per entry on stdout: {list, dataset, split, index, reason}
  -h, --help               show this help
`,
  run,
};

/** The training images that may be mislabelled (`findSuspects`): not one of the test images' lists. */
const TRAINING_LIST = 'training-mislabelled';

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    runs: { type: 'string' },
    lists: { type: 'string' },
    limit: { type: 'string' },
    confidence: { type: 'string' },
    background: { type: 'string' },
    variation: { type: 'string' },
    mislabelled: { type: 'string' },
    share: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, findCommand);
  const runs = runIdsOption(values.runs);
  const named = listOption(values.lists);
  const training = named === undefined || named.includes(TRAINING_LIST);
  const lists = named
    ?.filter((name) => name !== TRAINING_LIST)
    .map((name) => {
      const parsed = FinderList.safeParse(name);
      if (!parsed.success)
        throw new UsageError(
          `--lists: unknown list "${name}"; choose from ${[...FinderList.options, TRAINING_LIST].join(', ')}`,
        );
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
  const suspectsRequest = FindSuspectsRequest.safeParse({
    runs,
    share: numberOption(values.share, 'share'),
    limit: request.data.limit,
  });
  if (!suspectsRequest.success) throw new UsageError(`--share: ${describeZodError(suspectsRequest.error)}`);
  const { cases, db, close } = openCases(databasePath(values.db));
  try {
    const result = named !== undefined && lists?.length === 0 ? { lists: [] } : cases.find(request.data);
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
    if (training) {
      const evaluations = new EvaluationStore(db);
      const suspects = new NeighbourService({
        runs: new RunStore(db),
        datasets: new DatasetStore(db),
        evaluations,
        features: new FeatureStore(db),
        labelChecks: new TrainLabelCheckStore(db),
      }).suspects(suspectsRequest.data);
      if (!values.json) io.stdout(`${suspects.title} (${suspects.entries.length} of ${suspects.total})\n`);
      if (suspects.missingRuns.length > 0)
        io.stderr(
          `runs ${suspects.missingRuns.join(', ')} have no features yet (left out of ${TRAINING_LIST}); \`casebook neighbours --run <id> --image test/0\` computes them\n`,
        );
      for (const entry of suspects.entries) {
        if (values.json)
          io.stdout(
            `${JSON.stringify({ list: TRAINING_LIST, dataset: entry.datasetId, split: entry.split, index: entry.index, reason: entry.reason })}\n`,
          );
        else io.stdout(`  ${entry.split}/${String(entry.index).padEnd(5)} ${entry.reason}\n`);
      }
    }
    return 0;
  } finally {
    close();
  }
}
