import type { z } from 'zod';
import {
  ExplainRequest,
  ImportRequest,
  MODEL_LABELS,
  ModelFamily,
  describeZodError,
  type ExplanationSummary,
} from '../../../shared/contract';
import { importDataset } from '../../lab/datasets/import';
import type { Lab } from '../../lab/lab';
import { UsageError, intOption, listOption, localOrUrl, parseOptions, type Io } from '../args';
import { printUsage, type Command } from '../command';
import { describeExplanation, describeMetrics, fmt } from '../format';
import { DB_HELP, cliLab, databasePath } from '../lab';
import { progressPrinter } from '../progress';

/** The seed's three families: what `study` trains unless `--models` says otherwise. */
const SEED_MODELS: readonly ModelFamily[] = ['cnn', 'vnn', 'mcdropout'];

/** What `study --quick` trains on: enough to exercise every step, fast. */
export const QUICK = { trainLimit: 600, testLimit: 300, epochs: 2 } as const;

export const studyCommand: Command = {
  name: 'study',
  summary: "import an archive, then train, evaluate and explain the seed's models, one after another",
  usage: `Usage: casebook study --archive <path|url> [options]

Imports the archive (or reuses it when already stored) and trains each listed model with the
seed's settings, one after another, in a worker process. Every run is recorded in the database.

  --archive <path|url>  a cifar-10-binary.tar.gz ("official" = the official URL)
  --classes <list>      CIFAR-10 class names (default: deer,frog,truck)
  --models <list>       any of cnn,vnn,mcdropout,ensemble (default: the seed's three, cnn,vnn,mcdropout)
  --quick               a smoke test: ${QUICK.trainLimit} training and ${QUICK.testLimit} test images, ${QUICK.epochs} epochs
  --epochs <n>          the maximum number of epochs (default: the seed's, 50 / 75 / 50)
  --samples <T>         stochastic samples per test image in the evaluation (default 1000)
  --seed <n>            the random seed (default 42)
${DB_HELP}
  --json                one JSON object per finished run on stdout; progress goes to stderr
  -h, --help            show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    archive: { type: 'string' },
    classes: { type: 'string' },
    models: { type: 'string' },
    quick: { type: 'boolean', default: false },
    epochs: { type: 'string' },
    seed: { type: 'string' },
    samples: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return printUsage(io, studyCommand);
  const samples = intOption(values.samples, 'samples', { min: 2 });
  if (values.archive === undefined) throw new UsageError('--archive <path|url> is required');
  const models = (listOption(values.models) ?? SEED_MODELS).map((name) => {
    const parsed = ModelFamily.safeParse(name);
    if (!parsed.success) throw new UsageError(`unknown model "${name}"; choose from ${ModelFamily.options.join(', ')}`);
    return parsed.data;
  });
  const epochs = intOption(values.epochs, 'epochs', { min: 1 });
  const seed = intOption(values.seed, 'seed');
  const request = ImportRequest.safeParse({
    kind: 'archive',
    source: values.archive === 'official' ? undefined : localOrUrl(values.archive),
    classes: listOption(values.classes),
  });
  if (!request.success) throw new UsageError(describeZodError(request.error));

  const progress = progressPrinter(io);
  const lab = cliLab(databasePath(values.db), progress.update);
  const stop = () => {
    for (const job of lab.jobs.list()) if (job.status === 'running' || job.status === 'queued') lab.jobs.cancel(job.id);
  };
  process.once('SIGINT', stop);
  try {
    const imported = await importDataset(lab.datasets, request.data, { onProgress: progress.update });
    progress.done();
    const dataset = imported.dataset;
    io.stderr(`${imported.reused ? 'Using stored' : 'Imported'} dataset ${dataset.id} "${dataset.name}"\n`);
    let failures = 0;
    for (const model of models) {
      io.stderr(`Training ${MODEL_LABELS[model]}…\n`);
      const { run, job } = lab.startRun({
        datasetId: dataset.id,
        model,
        ...(values.quick ? QUICK : {}),
        ...(epochs !== undefined ? { epochs } : {}),
        ...(seed !== undefined ? { seed } : {}),
      });
      const finished = await lab.jobs.finished(job.id);
      progress.done();
      const done = lab.runs.get(run.id);
      if (finished.job.status !== 'done') {
        failures += 1;
        io.stderr(`${MODEL_LABELS[model]} (run ${run.id}) ${finished.job.status}: ${finished.job.error ?? ''}\n`);
        if (finished.job.status === 'cancelled') break;
        continue;
      }
      io.stderr(`Evaluating ${MODEL_LABELS[model]}…\n`);
      const evaluation = await lab.jobs.finished(lab.evaluate(run.id, samples).id);
      progress.done();
      if (evaluation.job.status !== 'done') {
        failures += 1;
        io.stderr(`evaluation of run ${run.id} ${evaluation.job.status}: ${evaluation.job.error ?? ''}\n`);
      }
      const metrics = lab.evaluations.latest(run.id)?.metrics ?? null;
      io.stderr(`Explaining ${MODEL_LABELS[model]}…\n`);
      let explanations: ExplanationSummary | null = null;
      try {
        explanations = await explained(lab, ExplainRequest.parse({ id: run.id }), progress);
      } catch (error) {
        failures += 1;
        io.stderr(`${(error as Error).message}\n`);
      }
      const line = {
        runId: done.id,
        model: done.model,
        params: done.params,
        backend: done.backend,
        epochs: done.epochsDone,
        bestEpoch: done.bestEpoch,
        trainImagesPerSecond: done.imagesPerSecond,
        trainSeconds: done.trainSeconds,
        valLoss: done.bestValLoss,
        testLoss: done.testLoss,
        testAccuracy: done.testAccuracy,
        metrics,
        explanations,
      };
      if (values.json) io.stdout(`${JSON.stringify(line)}\n`);
      else
        io.stdout(
          `${MODEL_LABELS[model].padEnd(10)} run ${done.id}: test accuracy ${fmt(done.testAccuracy, 4)}, best val_loss ${fmt(done.bestValLoss, 4)} (epoch ${done.bestEpoch ?? '-'} of ${done.epochsDone}), ${fmt(done.imagesPerSecond, 0)} images/s on ${done.backend}${metrics ? `; ${describeMetrics(metrics)}` : ''}${explanations ? `; ${describeExplanation(explanations)}` : ''}\n`,
        );
    }
    return failures === 0 ? 0 : 1;
  } finally {
    progress.done();
    process.off('SIGINT', stop);
    lab.close();
  }
}

/** Runs an explanation job to its end; its stored summary, or an error saying why there is none. */
async function explained(
  lab: Lab,
  request: z.output<typeof ExplainRequest>,
  progress: { done: () => void },
): Promise<ExplanationSummary> {
  const finished = await lab.jobs.finished(lab.explain(request).id);
  progress.done();
  if (finished.job.status !== 'done')
    throw new Error(`the explanation of run ${request.id} ${finished.job.status}: ${finished.job.error ?? ''}`);
  const summary = lab.explanations.latest(request.id)?.summary;
  if (!summary) throw new Error(`the explanation of run ${request.id} stored nothing`);
  return summary;
}
