import {
  describeZodError,
  BackgroundTestRequest,
  type BackgroundSummary,
  type RequestInput,
  type RequestName,
  type RequestOutput,
} from '../../../shared/contract';
import type { Lab } from '../../lab/lab';
import { COMMON_OPTIONS, UsageError, intOption, parseOptions, requiredRunId, type Io } from '../args';
import { printUsage, type Command } from '../command';
import { describeBackground } from '../format';
import { DB_HELP, cliLab, databasePath } from '../lab';
import { progressPrinter } from '../progress';

export const backgroundCommand: Command = {
  name: 'background',
  summary: 'the background test of a run: does its class change when only the background does?',
  usage: `Usage: casebook background --run <id> [options]

The background test of a finished run: every test image predicted again with its border ring
(the border 25 % of the area, the background share's ring) blurred or filled with the image's
mean colour, and with its centre so replaced. Per image the background dependence (the larger
drop of the predicted class's probability when only the ring changes) and whether the class
flips; per run their mean and count. The VNN and MC dropout are sampled T times (default 50)
with the same noise for every version of an image. Stored with the run; a run with a test of its
current evaluation is shown as stored unless --again or --samples is given.

  --samples <T>   samples per image for the VNN and MC dropout (2–1000)
  --again         test again even if the run has a current test
  --top <n>       also list the n images that depend most on the background (default 10; text only)
${DB_HELP}
  --json          print {"runId", "meanDependence", "flips", "images"} on stdout
  -h, --help      show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    samples: { type: 'string' },
    again: { type: 'boolean', default: false },
    top: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, backgroundCommand);
  const runId = requiredRunId(values.run);
  const request = BackgroundTestRequest.safeParse({
    id: runId,
    samples: intOption(values.samples, 'samples', { min: 2, max: 1000 }),
  });
  if (!request.success) throw new UsageError(describeZodError(request.error));
  const top = intOption(values.top, 'top', { min: 0, max: 500 }) ?? 10;
  const progress = progressPrinter(io);
  const lab = cliLab(databasePath(values.db), progress.update);
  try {
    const stored = await ask(lab, 'getBackgroundTest', { runId });
    const summary =
      stored !== null && !values.again && request.data.samples === undefined
        ? stored
        : await tested(lab, request.data, progress);
    if (values.json) {
      io.stdout(
        `${JSON.stringify({ runId, meanDependence: summary.meanDependence, flips: summary.flips, images: summary.images })}\n`,
      );
      return 0;
    }
    io.stdout(`run ${runId}: ${describeBackground(summary)}\n`);
    if (top > 0) {
      const { items } = await ask(lab, 'listBackgroundImages', { runId, order: 'dependence', offset: 0, limit: top });
      const classes = (await ask(lab, 'getDataset', { id: (await ask(lab, 'getRun', { id: runId })).run.datasetId }))
        .classes;
      const name = (k: number) => classes[k] ?? `#${k}`;
      for (const image of items)
        io.stdout(
          `  test/${image.index}  ${name(image.predicted)} ${image.base.toFixed(2)}  dependence ${image.dependence.toFixed(3)}  centre ${image.centreDependence.toFixed(3)}${image.flips ? `  flips to ${name(image.flippedTo ?? 0)}` : ''}  (true ${name(image.label)})\n`,
        );
    }
    return 0;
  } finally {
    progress.done();
    lab.close();
  }
}

/** A request through the Lab's door; its value, or its error thrown. */
async function ask<K extends RequestName>(lab: Lab, name: K, input: RequestInput<K>): Promise<RequestOutput<K>> {
  const result = await lab.dispatch(name, input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** Runs a background test job to its end; its stored summary, or an error saying why there is none. */
async function tested(
  lab: Lab,
  request: RequestInput<'runBackgroundTest'> & { id: number },
  progress: { done: () => void },
): Promise<BackgroundSummary> {
  const { job } = await ask(lab, 'runBackgroundTest', request);
  const finished = await lab.jobs.finished(job.id);
  progress.done();
  if (finished.job.status !== 'done')
    throw new Error(`the background test of run ${request.id} ${finished.job.status}: ${finished.job.error ?? ''}`);
  const summary = await ask(lab, 'getBackgroundTest', { runId: request.id });
  if (!summary) throw new Error(`the background test of run ${request.id} stored nothing`);
  return summary;
}
