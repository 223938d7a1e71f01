import { CompareRunsRequest, MODEL_LABELS, describeZodError } from '../../../shared/contract';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
import { printUsage, type Command } from '../command';
import { describeMetrics } from '../format';
import { DB_HELP, cliLab, databasePath } from '../lab';
import { progressPrinter } from '../progress';

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'evaluate a finished run on its test set (metrics, uncertainty)',
  usage: `Usage: casebook evaluate --run <id> [options]

Evaluates a finished run's best model on its test set: accuracy, AUC (Hand–Till and the seed's),
NLL, Brier score, ECE, AURC, per-class precision and recall, confusion matrix; for stochastic
models (VNN, MC dropout) T samples per image with entropy, mutual information, variation ratio
and boxplot statistics; a deep ensemble's samples are its members (T = members, --samples
does not apply). The result is stored with the run.

  --run <id>      the run to evaluate
  --samples <T>   stochastic samples per image (default 1000, as the seed)
  --bootstrap <B> --json: resamples of the metrics' intervals (default 2000)
  --seed <n>      --json: the resamples' seed (default 0)
${DB_HELP}
  --json          print {"runId", "model", "metrics": {…}, "intervals": {level, bootstrap, seed,
                  estimates: [{metric, runId, value, ci: [lo, hi]}]}} on stdout: each metric's 95 %
                  percentile bootstrap interval over the test images, as casebook compare gives
  -h, --help      show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    samples: { type: 'string' },
    bootstrap: { type: 'string' },
    seed: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, evaluateCommand);
  const runId = requiredRunId(values.run);
  const samples = intOption(values.samples, 'samples', { min: 2 });
  const resampling = CompareRunsRequest.safeParse({
    runIds: [runId],
    bootstrap: intOption(values.bootstrap, 'bootstrap', { min: 1 }),
    seed: intOption(values.seed, 'seed', { min: 0 }),
  });
  if (!resampling.success) throw new UsageError(describeZodError(resampling.error));
  if (!values.json && (values.bootstrap !== undefined || values.seed !== undefined))
    throw new UsageError('--bootstrap and --seed go with --json (the intervals are in its output)');
  const progress = progressPrinter(io);
  const lab = cliLab(databasePath(values.db), progress.update);
  try {
    const { run } = await lab.request('getRun', { id: runId });
    const finished = await lab.jobs.finished(lab.evaluate(runId, samples).id);
    progress.done();
    if (finished.job.status !== 'done')
      throw new Error(`the evaluation of run ${runId} ${finished.job.status}: ${finished.job.error ?? ''}`);
    const metrics = await lab.request('getEvaluation', { runId });
    if (!metrics) throw new Error(`the evaluation of run ${runId} stored nothing`);
    if (values.json) {
      // the compare view's intervals, for this run alone (the same resamples as a compare with that seed)
      const stats = await lab.request('compareRuns', resampling.data);
      const intervals = {
        level: stats.level,
        bootstrap: stats.bootstrap,
        seed: stats.seed,
        estimates: stats.estimates.map(({ metric, runId: id, value, ci }) => ({ metric, runId: id, value, ci })),
      };
      io.stdout(`${JSON.stringify({ runId, model: run.model, metrics, intervals })}\n`);
    } else io.stdout(`${MODEL_LABELS[run.model]} run ${runId}: ${describeMetrics(metrics)}\n`);
    return 0;
  } finally {
    progress.done();
    lab.close();
  }
}
