import type { NeighbourResult, Result, RequestOutput } from '../../../shared/contract';
import { DEFAULT_NEIGHBOURS, MAX_NEIGHBOURS } from '../../../shared/contract';
import type { Lab } from '../../lab/lab';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
import { printUsage, type Command } from '../command';
import { DB_HELP, cliLab, databasePath } from '../lab';
import { progressPrinter } from '../progress';

export const neighboursCommand: Command = {
  name: 'neighbours',
  summary: "an image's nearest training images in a run's features",
  usage: `Usage: casebook neighbours --run <id> --image <split>/<index> [options]

Lists the k training images nearest to an image (cosine distance of the run's features: the
layer before its classifier head), nearest first, with their labels, and says whether most of
them carry the class the run predicts ("looks like the trucks it was trained on"). A training
image's own entry comes first, at distance 0. A run without features yet gets them computed
first (a job over every training and test image; seconds).

  --run <id>         a finished run
  --image <s>/<i>    test/<index> or train/<index>, e.g. test/12
  --k <n>            how many neighbours (default ${DEFAULT_NEIGHBOURS}, at most ${MAX_NEIGHBOURS})
${DB_HELP}
  --json             print {"runId", "image": {split, index, label}, "neighbours": [{split,
                     index, label, distance}], "predicted", "sentence"} on stdout (labels and
                     the prediction as class names; distance = 1 − cosine similarity)
  -h, --help         show this help
`,
  run,
};

/** `test/12` → {split, index}. */
function imageOption(value: string | undefined): { split: 'train' | 'test'; index: number } {
  if (value === undefined) throw new UsageError('--image <split>/<index> is required, e.g. --image test/12');
  const match = /^(train|test)\/(0|[1-9]\d{0,8})$/.exec(value.trim());
  if (!match) throw new UsageError(`--image: "${value}" is not <split>/<index> with split train or test, e.g. test/12`);
  return { split: match[1] as 'train' | 'test', index: Number(match[2]) };
}

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    image: { type: 'string' },
    k: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, neighboursCommand);
  const runId = requiredRunId(values.run);
  const image = imageOption(values.image);
  const k = intOption(values.k, 'k', { min: 1, max: MAX_NEIGHBOURS }) ?? DEFAULT_NEIGHBOURS;
  const progress = progressPrinter(io);
  const lab = cliLab(databasePath(values.db), progress.update);
  try {
    const features = unwrap(await lab.dispatch('getFeatures', { runId }));
    if (features.length < 2) await computed(lab, runId, progress);
    const result = unwrap(await lab.dispatch('getNeighbours', { runId, ...image, k }));
    const run = unwrap(await lab.dispatch('getRun', { id: runId })).run;
    if (values.json) io.stdout(`${JSON.stringify(jsonLine(result))}\n`);
    else io.stdout(plain(result, run.name));
    return 0;
  } finally {
    progress.done();
    lab.close();
  }
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** Runs the features job of a run to its end, or says why it did not finish. */
async function computed(lab: Lab, runId: number, progress: { done: () => void }): Promise<void> {
  const { job }: RequestOutput<'computeFeatures'> = unwrap(await lab.dispatch('computeFeatures', { id: runId }));
  const finished = await lab.jobs.finished(job.id);
  progress.done();
  if (finished.job.status !== 'done')
    throw new Error(`the features of run ${runId} ${finished.job.status}: ${finished.job.error ?? ''}`);
}

/** The documented JSON line. */
export function jsonLine(result: NeighbourResult) {
  return {
    runId: result.runId,
    image: { split: result.image.split, index: result.image.index, label: result.image.className },
    neighbours: result.neighbours.map((n) => ({
      split: n.split,
      index: n.index,
      label: n.className,
      distance: n.distance,
    })),
    predicted: result.predictedClass,
    sentence: result.sentence,
  };
}

function plain(result: NeighbourResult, runName: string): string {
  const { image } = result;
  const said = result.predictedClass === null ? '' : `, predicted ${result.predictedClass}`;
  const head = `${runName} (run ${result.runId}, features at ${result.layer}): ${image.split}/${image.index} (${image.className}${said})\n  ${result.sentence}\n`;
  const rows = result.neighbours.map(
    (n, i) =>
      `  ${String(i + 1).padStart(2)}. ${`${n.split}/${n.index}`.padEnd(12)} ${n.className.padEnd(12)} ${n.distance.toFixed(4)}\n`,
  );
  return head + rows.join('');
}
