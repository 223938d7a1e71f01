/**
 * `casebook`: the headless door onto the lab. Commands: import, serve, study, evaluate, explain,
 * runs, resume, cancel, delete.
 * stdout carries results (one JSON object per line with --json); progress and logs go to stderr.
 */
import { existsSync } from 'node:fs';
import type { z } from 'zod';
import { resolve } from 'node:path';
import {
  CAM_METHOD_LABELS,
  ExplainRequest,
  ImportRequest,
  MODEL_LABELS,
  ModelFamily,
  describeZodError,
  type ExplanationSummary,
  type ImportResult,
  type RunMetrics,
} from '../shared/contract';
import { UsageError, listOption, numberOption, parseOptions, processIo, intOption, type Io } from './cli/args';
import type { Command } from './cli/command';
import { cancelCommand } from './cli/commands/cancel';
import { deleteCommand } from './cli/commands/delete';
import { resumeCommand } from './cli/commands/resume';
import { runsCommand } from './cli/commands/runs';
import { cliLab, workerLauncher } from './cli/lab';
import { progressPrinter } from './cli/progress';
import { onStopSignal } from './cli/signals';
import { VERSION } from './cli/version';
import { importDataset } from './lab/datasets/import';
import type { Emit } from './lab/jobs/manager';
import { Lab } from './lab/lab';
import { defaultDatabasePath } from './lab/paths';
import { openDatabase } from './lab/store/database';
import { DatasetStore } from './lab/store/datasets';
import { startWebServer, type WebServer } from './web/server';

export { VERSION };

/** Commands that live in a file of their own (src/main/cli/commands). */
const COMMANDS: Record<string, Command> = Object.fromEntries(
  [runsCommand, resumeCommand, cancelCommand, deleteCommand].map((command) => [command.name, command]),
);

/** The seed's three families: what `study` trains unless `--models` says otherwise. */
const SEED_MODELS: readonly ModelFamily[] = ['cnn', 'vnn', 'mcdropout'];

/** What `study --quick` trains on: enough to exercise every step, fast. */
export const QUICK = { trainLimit: 600, testLimit: 300, epochs: 2 } as const;

const DB_HELP = `  --db <file>        the study database (default: $CASEBOOK_DB, else ${defaultDatabasePath({ ...process.env, CASEBOOK_DB: undefined })})`;

const USAGE: Record<string, string> = {
  main: `Usage: casebook <command> [options]

Commands:
  import   import a CIFAR-10 binary archive or an image folder into a study database
  serve    serve the Casebook app in a browser on 127.0.0.1 (browser mode)
  study    import an archive, then train, evaluate and explain the seed's models, one after another
  evaluate evaluate a finished run on its test set (metrics, uncertainty)
  explain  Grad-CAM of every test image of a finished run, with the deletion check
  runs     list the runs of a study database
  resume   continue an interrupted, failed or cancelled run to its end
  cancel   stop a run that is training, in whichever process trains it
  delete   delete a run with its epochs, checkpoints, evaluations and explanations

Run "casebook <command> --help" for a command's options.
`,
  import: `Usage: casebook import (--archive <path|url> | --folder <path>) [options]

Imports images into the study database. A dataset whose content is already stored is reused.

  --archive <path|url>  a cifar-10-binary.tar.gz (local file or URL; "official" = the official URL)
  --classes <list>      comma-separated CIFAR-10 class names (default: deer,frog,truck)
  --md5 <hex>           expected md5 of the archive (always checked for the official URL)
  --folder <path>       an image folder: one sub-folder per class (PNG or JPEG), optionally
                        under train/ and test/
  --test-fraction <x>   share of each class used as test when the folder has no test/ (default 0.2)
  --name <text>         the dataset's name
${DB_HELP}
  --json                print one JSON object on stdout; progress goes to stderr
  -h, --help            show this help
`,
  study: `Usage: casebook study --archive <path|url> [options]

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
  evaluate: `Usage: casebook evaluate --run <id> [options]

Evaluates a finished run's best model on its test set: accuracy, AUC (Hand–Till and the seed's),
NLL, Brier score, ECE, AURC, per-class precision and recall, confusion matrix; for stochastic
models (VNN, MC dropout) T samples per image with entropy, mutual information, variation ratio
and boxplot statistics; a deep ensemble's samples are its members (T = members, --samples
does not apply). The result is stored with the run.

  --run <id>      the run to evaluate
  --samples <T>   stochastic samples per image (default 1000, as the seed)
${DB_HELP}
  --json          print {"runId", "model", "metrics": {…}} on stdout
  -h, --help      show this help
`,
  explain: `Usage: casebook explain --run <id> [options]

Computes Grad-CAM maps of every test image of a finished run (predicted class, and the true
class where they differ; or one chosen class), MC Grad-CAM (mean and standard deviation over T samples of the head)
for the VNN and MC dropout, the members' mean for an ensemble; each image's background share
(the map's mass in the border 25 % of the image) and the run's deletion check. Stored with the run.

  --method <m>    gradcam (default) or gradcampp
  --layer <name>  the conv layer to explain (default: the last one)
  --score <s>     logit (pre-softmax class score, default) or probability (the seed's variant)
  --samples <T>   MC Grad-CAM samples per image for stochastic models (default 100)
  --class <name>  explain this class for every image (default: the predicted class, and the
                  true class where it differs)
${DB_HELP}
  --json          print {"runId", "model", "explanations": {…}} on stdout
  -h, --help      show this help
`,
  serve: `Usage: casebook serve [options]

Serves the app and its API on http://127.0.0.1 with a random access token, and prints the URL
to open. Stops on Ctrl-C.

  --port <n>     the port (default: any free port)
${DB_HELP}
  --json         print {"url": …} on stdout once listening
  -h, --help     show this help
`,
};

/** Runs one command line; resolves to the process exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'import':
        return await importCommand(rest, io);
      case 'serve':
        return await serveCommand(rest, io);
      case 'study':
        return await studyCommand(rest, io);
      case 'evaluate':
        return await evaluateCommand(rest, io);
      case 'explain':
        return await explainCommand(rest, io);
      case 'runs':
      case 'resume':
      case 'cancel':
      case 'delete':
        return await (COMMANDS[command] ?? runsCommand).run(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(USAGE.main ?? '');
        return command === undefined ? 2 : 0;
      case '--version':
        io.stdout(`${VERSION}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const usage = USAGE[command ?? 'main'] ?? COMMANDS[command ?? '']?.usage ?? USAGE.main;
      io.stderr(`casebook: ${error.message}\n\n${usage}`);
      return 2;
    }
    io.stderr(`casebook: ${(error as Error).message}\n`);
    return 1;
  }
}

async function importCommand(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    archive: { type: 'string' },
    folder: { type: 'string' },
    classes: { type: 'string' },
    md5: { type: 'string' },
    name: { type: 'string' },
    'test-fraction': { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return help(io, 'import');
  if ((values.archive === undefined) === (values.folder === undefined)) {
    throw new UsageError('give exactly one of --archive <path|url> or --folder <path>');
  }
  if (values.folder !== undefined && (values.classes !== undefined || values.md5 !== undefined)) {
    throw new UsageError('--classes and --md5 go with --archive; a folder takes its classes from its sub-folders');
  }
  const raw =
    values.folder !== undefined
      ? {
          kind: 'folder',
          path: resolve(values.folder),
          testFraction: numberOption(values['test-fraction'], 'test-fraction'),
          name: values.name,
        }
      : {
          kind: 'archive',
          source: values.archive === 'official' ? undefined : localOrUrl(values.archive ?? ''),
          classes: listOption(values.classes),
          md5: values.md5,
          name: values.name,
        };
  const parsed = ImportRequest.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeZodError(parsed.error));

  const databasePath = resolve(values.db ?? defaultDatabasePath());
  const db = openDatabase(databasePath);
  const progress = progressPrinter(io);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  let result: ImportResult;
  try {
    result = await importDataset(new DatasetStore(db), parsed.data, {
      onProgress: progress.update,
      signal: controller.signal,
    });
  } finally {
    progress.done();
    process.off('SIGINT', stop);
    db.close();
  }
  const { dataset } = result;
  for (const skipped of result.skipped) io.stderr(`skipped ${skipped.file}: ${skipped.reason}\n`);
  if (values.json) {
    io.stdout(
      `${JSON.stringify({
        datasetId: dataset.id,
        name: dataset.name,
        classes: dataset.classes,
        counts: dataset.counts,
        reused: result.reused,
        contentHash: dataset.contentHash,
        sourceSha256: dataset.sourceSha256,
        skipped: result.skipped,
        database: databasePath,
      })}\n`,
    );
  } else {
    io.stdout(
      `${result.reused ? 'Already stored as' : 'Imported'} dataset ${dataset.id} "${dataset.name}" into ${databasePath}\n`,
    );
    for (const name of dataset.classes) {
      io.stdout(
        `  ${name.padEnd(12)} train ${String(dataset.counts.train[name] ?? 0).padStart(6)}  test ${String(dataset.counts.test[name] ?? 0).padStart(6)}\n`,
      );
    }
    if (result.skipped.length > 0) io.stdout(`  ${result.skipped.length} file(s) skipped (listed above)\n`);
  }
  return 0;
}

function localOrUrl(source: string): string {
  return /^https?:\/\//i.test(source) ? source : resolve(source);
}

export interface ServeOptions {
  databasePath: string;
  port?: number;
  rendererDir?: string;
  workerScript?: string;
}

/** Starts the lab and the web door; used by `casebook serve` and by `npm start` without Electron. */
export async function serve(options: ServeOptions): Promise<{ lab: Lab; web: WebServer; close: () => Promise<void> }> {
  const rendererDir = options.rendererDir ?? resolve(import.meta.dirname, '../renderer');
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    throw new Error(`the app is not built (no ${resolve(rendererDir, 'index.html')}); run "npm run build"`);
  }
  let web: WebServer | null = null;
  const emit: Emit = (name, payload) => web?.broadcast(name, payload);
  const lab = new Lab({
    databasePath: options.databasePath,
    mode: 'browser',
    version: VERSION,
    launch: workerLauncher(options.workerScript),
    emit,
  });
  try {
    web = await startWebServer({ lab, rendererDir, ...(options.port !== undefined ? { port: options.port } : {}) });
  } catch (error) {
    lab.close();
    throw new Error(`cannot listen on 127.0.0.1:${options.port ?? 0}: ${(error as Error).message}`);
  }
  const server = web;
  return {
    lab,
    web: server,
    // the door first (no new requests), then the lab: jobs stopped resumable, database closed last
    close: async () => {
      await server.close();
      await lab.shutdown();
    },
  };
}

async function serveCommand(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    port: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return help(io, 'serve');
  const port = intOption(values.port, 'port');
  if (port !== undefined && port > 65535) throw new UsageError('--port must be at most 65535');
  const databasePath = resolve(values.db ?? defaultDatabasePath());
  // listening from the start: a signal while the lab opens also stops it cleanly
  let unregister: () => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((done) => {
    unregister = onStopSignal(done);
  });
  try {
    const running = await serve({ databasePath, ...(port !== undefined ? { port } : {}) });
    if (values.json) io.stdout(`${JSON.stringify({ url: running.web.url, database: databasePath })}\n`);
    else
      io.stdout(
        `Casebook is running in browser mode. Open:\n  ${running.web.url}\nDatabase: ${databasePath}\nPress Ctrl-C to stop.\n`,
      );
    const signal = await stopped;
    io.stderr(`casebook serve: ${signal}: stopping; a running job is stopped so that it can be resumed\n`);
    await running.close();
    return 0;
  } finally {
    unregister();
  }
}

async function studyCommand(argv: string[], io: Io): Promise<number> {
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
  if (values.help) return help(io, 'study');
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

  const databasePath = resolve(values.db ?? defaultDatabasePath());
  const progress = progressPrinter(io);
  const lab = cliLab(databasePath, progress.update);
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

async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    samples: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return help(io, 'evaluate');
  const runId = intOption(values.run, 'run', { min: 1 });
  if (runId === undefined) throw new UsageError('--run <id> is required');
  const samples = intOption(values.samples, 'samples', { min: 2 });
  const databasePath = resolve(values.db ?? defaultDatabasePath());
  const progress = progressPrinter(io);
  const lab = cliLab(databasePath, progress.update);
  try {
    const run = lab.runs.get(runId);
    const finished = await lab.jobs.finished(lab.evaluate(runId, samples).id);
    progress.done();
    if (finished.job.status !== 'done')
      throw new Error(`the evaluation of run ${runId} ${finished.job.status}: ${finished.job.error ?? ''}`);
    const metrics = lab.evaluations.latest(runId)?.metrics;
    if (!metrics) throw new Error(`the evaluation of run ${runId} stored nothing`);
    if (values.json) io.stdout(`${JSON.stringify({ runId, model: run.model, metrics })}\n`);
    else io.stdout(`${MODEL_LABELS[run.model]} run ${runId}: ${describeMetrics(metrics)}\n`);
    return 0;
  } finally {
    progress.done();
    lab.close();
  }
}

async function explainCommand(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    method: { type: 'string' },
    layer: { type: 'string' },
    score: { type: 'string' },
    samples: { type: 'string' },
    class: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return help(io, 'explain');
  const runId = intOption(values.run, 'run', { min: 1 });
  if (runId === undefined) throw new UsageError('--run <id> is required');
  const request = ExplainRequest.safeParse({
    id: runId,
    method: values.method,
    layer: values.layer,
    score: values.score,
    samples: intOption(values.samples, 'samples', { min: 2 }),
  });
  if (!request.success) throw new UsageError(describeZodError(request.error));
  const databasePath = resolve(values.db ?? defaultDatabasePath());
  const progress = progressPrinter(io);
  const lab = cliLab(databasePath, progress.update);
  try {
    const run = lab.runs.get(runId);
    const classes = lab.datasets.get(run.datasetId).classes;
    const targetClass = values.class === undefined ? undefined : classes.indexOf(values.class);
    if (targetClass === -1)
      throw new Error(
        `--class: run ${runId}'s dataset has no class "${values.class}"; its classes are ${classes.join(', ')}`,
      );
    const summary = await explained(
      lab,
      { ...request.data, ...(targetClass === undefined ? {} : { targetClass }) },
      progress,
    );
    if (values.json) io.stdout(`${JSON.stringify({ runId, model: run.model, explanations: summary })}\n`);
    else io.stdout(`${MODEL_LABELS[run.model]} run ${runId}: ${describeExplanation(summary)}\n`);
    return 0;
  } finally {
    progress.done();
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

function describeExplanation(e: ExplanationSummary): string {
  return `${CAM_METHOD_LABELS[e.method]} of ${e.layer} over ${e.images} images${e.samples > 1 ? ` (${e.samples} samples each)` : ''}: probability drop at 20 % deleted ${fmt(e.deletionDrop, 3)} by CAM vs ${fmt(e.randomDrop, 3)} random, mean background share ${fmt(e.meanBackground, 3)} (${fmt(e.seconds, 1)} s)`;
}

function describeMetrics(m: RunMetrics): string {
  const stochastic = m.samples > 1 ? `, ${m.samples} samples/image, mean MI ${fmt(m.meanMutualInformation, 4)}` : '';
  return `accuracy ${fmt(m.accuracy, 4)}, AUC ${fmt(m.aucHandTill, 4)} (seed-style ${fmt(m.aucSeedStyle, 4)}), NLL ${fmt(m.nll, 4)}, Brier ${fmt(m.brier, 4)}, ECE ${fmt(m.ece, 4)}, AURC ${fmt(m.aurc, 4)}${stochastic} (${fmt(m.seconds, 1)} s)`;
}

function fmt(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits);
}

function help(io: Io, command: string): number {
  io.stdout(USAGE[command] ?? USAGE.main ?? '');
  return 0;
}

/** Entry point used by bin/casebook.mjs. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}
