import type { z } from 'zod';
import {
  ExplainRequest,
  MODEL_LABELS,
  describeZodError,
  explanationLabel,
  type ExplanationInfo,
  type ExplanationSummary,
  type RunExplanations,
} from '../../../shared/contract';
import type { Lab } from '../../lab/lab';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS, requiredRunId } from '../args';
import { printUsage, type Command } from '../command';
import { alignColumns, describeExplanation } from '../format';
import { DB_HELP, cliLab, databasePath } from '../lab';
import { progressPrinter } from '../progress';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Grad-CAM of every test image of a finished run, with the deletion check; picks the one shown',
  usage: `Usage: casebook explain --run <id> [options]

Computes Grad-CAM maps of every test image of a finished run (predicted class, and the true
class where they differ; or one chosen class), MC Grad-CAM (mean and standard deviation over T samples of the head)
for the VNN and MC dropout, the members' mean for an ensemble; each image's background share
(the map's mass in the border 25 % of the image) and the run's deletion check. Stored with the run.

A run keeps every explanation made of it. --method, --score and --class say which one the run's
pages (run page, gallery, case view) show: one the run already has is shown without computing it
again (--again computes it anew); otherwise it is computed and shown.

  --method <m>    gradcam (default) or gradcampp
  --layer <name>  the conv layer to explain (default: the last one)
  --score <s>     logit (pre-softmax class score, default) or probability (the seed's variant)
  --samples <T>   MC Grad-CAM samples per image for stochastic models (default 100)
  --class <name>  explain this class for every image (default: the predicted class, and the
                  true class where it differs)
  --again         compute it even when the run already has such an explanation
  --list          list the run's explanations (the shown one marked *) and change nothing
${DB_HELP}
  --json          print {"runId", "model", "explanationId", "computed", "explanations": {…}} on stdout
                  (with --list: {"runId", "shownId", "explanations": [{id, createdAt, summary}]})
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
    again: { type: 'boolean' },
    list: { type: 'boolean' },
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
    if (values.list) {
      const listed = await lab.request('listExplanations', { runId });
      if (values.json) io.stdout(`${JSON.stringify({ runId, shownId: listed.shownId, explanations: listed.items })}\n`);
      else io.stdout(`${describeList(listed, classes)}\n`);
      return 0;
    }
    const targetClass = values.class === undefined ? undefined : classes.indexOf(values.class);
    if (targetClass === -1)
      throw new Error(
        `--class: run ${runId}'s dataset has no class "${values.class}"; its classes are ${classes.join(', ')}`,
      );
    const wanted = { ...request.data, ...(targetClass === undefined ? {} : { targetClass }) };
    const kept = values.again ? undefined : matching((await lab.request('listExplanations', { runId })).items, wanted);
    let shown: { id: number; summary: ExplanationSummary };
    if (kept) {
      await lab.request('showExplanation', { runId, explanationId: kept.id });
      shown = kept;
    } else shown = await explained(lab, wanted, progress);
    if (values.json)
      io.stdout(
        `${JSON.stringify({ runId, model: run.model, explanationId: shown.id, computed: !kept, explanations: shown.summary })}\n`,
      );
    else
      io.stdout(
        `${MODEL_LABELS[run.model]} run ${runId}: ${kept ? `showing explanation ${kept.id} it already had (--again computes it anew)` : `explanation ${shown.id}`}, ${explanationLabel(shown.summary, classes)}: ${describeExplanation(shown.summary)}\n`,
      );
    return 0;
  } finally {
    progress.done();
    lab.close();
  }
}

/** The newest of the run's explanations made as `wanted` asks (method, score, class; layer and T when given). */
export function matching(
  items: readonly ExplanationInfo[],
  wanted: z.output<typeof ExplainRequest>,
): ExplanationInfo | undefined {
  return items.find(
    ({ summary: s }) =>
      s.method === wanted.method &&
      s.score === wanted.score &&
      s.targetClass === (wanted.targetClass ?? null) &&
      (wanted.layer === undefined || s.layer === wanted.layer) &&
      (wanted.samples === undefined || s.samples === wanted.samples),
  );
}

function describeList(listed: RunExplanations, classes: readonly string[]): string {
  if (listed.items.length === 0) return `Run ${listed.runId} has no explanation yet.`;
  return alignColumns([
    ['', 'id', 'explanation', 'made'],
    ...listed.items.map((e) => [
      e.id === listed.shownId ? '*' : '',
      String(e.id),
      explanationLabel(e.summary, classes),
      e.createdAt.slice(0, 19).replace('T', ' '),
    ]),
  ]);
}

/** Runs an explanation job to its end; the explanation it stored (now the shown one), or an error saying why there is none. */
async function explained(
  lab: Lab,
  request: z.output<typeof ExplainRequest>,
  progress: { done: () => void },
): Promise<{ id: number; summary: ExplanationSummary }> {
  const finished = await lab.jobs.finished(lab.explain(request).id);
  progress.done();
  if (finished.job.status !== 'done')
    throw new Error(`the explanation of run ${request.id} ${finished.job.status}: ${finished.job.error ?? ''}`);
  const listed = await lab.request('listExplanations', { runId: request.id });
  const shown = listed.items.find((e) => e.id === listed.shownId);
  if (!shown) throw new Error(`the explanation of run ${request.id} stored nothing`);
  return shown;
}
