import type { z } from 'zod';
import { ExplainRequest, MODEL_LABELS, describeZodError, type ExplanationSummary } from '../../../shared/contract';
import type { Lab } from '../../lab/lab';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
import { printUsage, type Command } from '../command';
import { describeExplanation } from '../format';
import { DB_HELP, cliLab, databasePath } from '../lab';
import { progressPrinter } from '../progress';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Grad-CAM of every test image of a finished run, with the deletion check',
  usage: `Usage: casebook explain --run <id> [options]

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
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    method: { type: 'string' },
    layer: { type: 'string' },
    score: { type: 'string' },
    samples: { type: 'string' },
    class: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, explainCommand);
  const runId = requiredRunId(values.run);
  const request = ExplainRequest.safeParse({
    id: runId,
    method: values.method,
    layer: values.layer,
    score: values.score,
    samples: intOption(values.samples, 'samples', { min: 2 }),
  });
  if (!request.success) throw new UsageError(describeZodError(request.error));
  const progress = progressPrinter(io);
  const lab = cliLab(databasePath(values.db), progress.update);
  try {
    const { run } = await lab.request('getRun', { id: runId });
    const { classes } = await lab.request('getDataset', { id: run.datasetId });
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
  const summary = await lab.request('getExplanation', { runId: request.id });
  if (!summary) throw new Error(`the explanation of run ${request.id} stored nothing`);
  return summary;
}
