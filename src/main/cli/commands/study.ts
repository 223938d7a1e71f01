import { ImportRequest, MAX_SEEDS, MODEL_LABELS, ModelFamily, describeZodError } from '../../../shared/contract';
import { QUICK, SAMPLE, SEED_MODELS, sampleImportRequest, type StudyRunResult } from '../../lab/study';
import { UsageError, intOption, listOption, localOrUrl, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { printUsage, type Command } from '../command';
import { describeExplanation, describeMetrics, fmt } from '../format';
import { DB_HELP, cliLab, databasePath } from '../lab';
import { progressPrinter } from '../progress';
import { openAgents, QUEUE_HELP, QUEUE_OPTIONS } from '../queue';

export { QUICK };

export const studyCommand: Command = {
  name: 'study',
  summary: "import an archive, then train, evaluate and explain the seed's models, one after another",
  usage: `Usage: casebook study (--archive <path|url> | --sample) [options]

Imports the archive (or reuses it when already stored) and trains each listed model with the
seed's settings, then evaluates and explains it, one after another, in a worker process. Every
run is recorded in the database.

  --archive <path|url>  a cifar-10-binary.tar.gz ("official" = the official URL)
  --sample              the bundled sample instead (500 training and 100 test images each of
                        deer, frog, truck), quick-trained on all of it: ${SAMPLE.epochs} epochs in
                        batches of ${SAMPLE.batchSize}, a few minutes
  --classes <list>      CIFAR-10 class names (default: deer,frog,truck)
  --models <list>       any of cnn,vnn,mcdropout,ensemble (default: the seed's three, cnn,vnn,mcdropout)
  --quick               a smoke test: ${QUICK.trainLimit} training and ${QUICK.testLimit} test images, ${QUICK.epochs} epochs
  --epochs <n>          the maximum number of epochs (default: the seed's, 50 / 75 / 50)
  --samples <T>         stochastic samples per test image in the evaluation (default 1000)
  --seed <n>            the random seed (default 42)
  --seeds <n>           train each model with n seeds (seed, seed + 1, …; a deep ensemble's its
                        member count apart): runs that differ only by seed form a seed group
${DB_HELP}
${QUEUE_HELP}
  --json                one JSON object per finished run on stdout; progress goes to stderr
  -h, --help            show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    archive: { type: 'string' },
    sample: { type: 'boolean', default: false },
    classes: { type: 'string' },
    models: { type: 'string' },
    quick: { type: 'boolean', default: false },
    epochs: { type: 'string' },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    samples: { type: 'string' },
    ...QUEUE_OPTIONS,
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, studyCommand);
  const samples = intOption(values.samples, 'samples', { min: 2 });
  if (values.sample && values.archive !== undefined)
    throw new UsageError('give either --archive or --sample, not both');
  if (values.sample && values.classes !== undefined)
    throw new UsageError('--classes goes with --archive; the sample holds deer, frog and truck');
  if (!values.sample && values.archive === undefined)
    throw new UsageError('--archive <path|url> or --sample is required');
  const models = (listOption(values.models) ?? SEED_MODELS).map((name) => {
    const parsed = ModelFamily.safeParse(name);
    if (!parsed.success) throw new UsageError(`unknown model "${name}"; choose from ${ModelFamily.options.join(', ')}`);
    return parsed.data;
  });
  const epochs = intOption(values.epochs, 'epochs', { min: 1 });
  const seed = intOption(values.seed, 'seed');
  const seeds = intOption(values.seeds, 'seeds', { min: 1, max: MAX_SEEDS });
  const request = values.sample
    ? { success: true as const, data: sampleImportRequest() }
    : ImportRequest.safeParse({
        kind: 'archive',
        source: values.archive === 'official' ? undefined : localOrUrl(values.archive ?? ''),
        classes: listOption(values.classes),
      });
  if (!request.success) throw new UsageError(describeZodError(request.error));
  const settings = {
    ...(values.sample ? SAMPLE : {}),
    ...(values.quick ? QUICK : {}),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(samples !== undefined ? { samples } : {}),
    ...(seeds !== undefined ? { seeds } : {}),
  };

  const progress = progressPrinter(io);
  const path = databasePath(values.db);
  const agents = await openAgents(values, path);
  const lab = cliLab(path, progress.update, { agents });
  const stop = () => {
    for (const job of lab.jobs.list()) if (job.status === 'running' || job.status === 'queued') lab.jobs.cancel(job.id);
  };
  process.once('SIGINT', stop);
  let failures = 0;
  try {
    await lab.studies.run(
      { dataset: request.data, models, settings },
      {
        onProgress: progress.update,
        onImported: ({ dataset, reused }) => {
          progress.done();
          io.stderr(`${reused ? 'Using stored' : 'Imported'} dataset ${dataset.id} "${dataset.name}"\n`);
        },
        onStep: (step, run) => {
          progress.done();
          io.stderr(`${STEP_LABELS[step]} ${MODEL_LABELS[run.model]}…\n`);
        },
        onRun: (result) => {
          progress.done();
          for (const problem of result.problems) io.stderr(`${problem}\n`);
          failures += result.problems.length;
          if (result.training.status === 'done')
            io.stdout(values.json ? `${JSON.stringify(jsonLine(result))}\n` : textLine(result));
        },
      },
    );
    return failures === 0 ? 0 : 1;
  } finally {
    progress.done();
    process.off('SIGINT', stop);
    lab.close();
    await agents?.close();
  }
}
const STEP_LABELS = {
  training: 'Training',
  evaluating: 'Evaluating',
  explaining: 'Explaining',
  'testing the background': 'Testing the background of',
} as const;

/** One finished run for --json. */
function jsonLine({ run, metrics, explanations, background }: StudyRunResult) {
  return {
    runId: run.id,
    model: run.model,
    params: run.params,
    backend: run.backend,
    epochs: run.epochsDone,
    bestEpoch: run.bestEpoch,
    trainImagesPerSecond: run.imagesPerSecond,
    trainSeconds: run.trainSeconds,
    valLoss: run.bestValLoss,
    testLoss: run.testLoss,
    testAccuracy: run.testAccuracy,
    metrics,
    explanations,
    background,
  };
}

function textLine({ run, metrics, explanations }: StudyRunResult): string {
  return `${MODEL_LABELS[run.model].padEnd(10)} run ${run.id}: test accuracy ${fmt(run.testAccuracy, 4)}, best val_loss ${fmt(run.bestValLoss, 4)} (epoch ${run.bestEpoch ?? '-'} of ${run.epochsDone}), ${fmt(run.imagesPerSecond, 0)} images/s on ${run.backend}${metrics ? `; ${describeMetrics(metrics)}` : ''}${explanations ? `; ${describeExplanation(explanations)}` : ''}\n`;
}
