import { MODEL_LABELS } from '../../../shared/contract';
import { intOption, parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
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
${DB_HELP}
  --json          print {"runId", "model", "metrics": {…}} on stdout
  -h, --help      show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    samples: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, evaluateCommand);
  const runId = requiredRunId(values.run);
  const samples = intOption(values.samples, 'samples', { min: 2 });
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
    if (values.json) io.stdout(`${JSON.stringify({ runId, model: run.model, metrics })}\n`);
    else io.stdout(`${MODEL_LABELS[run.model]} run ${runId}: ${describeMetrics(metrics)}\n`);
    return 0;
  } finally {
    progress.done();
    lab.close();
  }
}
