import {
  DEFAULT_MAP_SEED,
  MapRequest,
  MODEL_LABELS,
  describeZodError,
  type MapInfo,
  type RunMap,
} from '../../../shared/contract';
import type { Lab } from '../../lab/lab';
import { COMMON_OPTIONS, UsageError, intOption, numberOption, parseOptions, requiredRunId, type Io } from '../args';
import { printUsage, type Command } from '../command';
import { DB_HELP, cliLab, databasePath } from '../lab';
import { progressPrinter } from '../progress';

export const mapCommand: Command = {
  name: 'map',
  summary: "the embedding map (UMAP) of a run's test images, computed once and stored",
  usage: `Usage: casebook map --run <id> [options]

Prints the embedding map of a finished run's test images: UMAP of the run's features (the layer
before the classifier head) to 2-D, seeded, so the same run gives the same map every time. A
run's map is computed once (its features first, if it has none) and stored with the run; later
calls print the stored one unless the options ask for another.

  --seed <n>        UMAP's seed (default ${DEFAULT_MAP_SEED})
  --neighbours <n>  UMAP's neighbourhood size (default 15)
  --min-dist <d>    UMAP's min_dist (default 0.1)
  --recompute       compute the map again even if the run has one
${DB_HELP}
  --json          print one line per test image: {"index", "x", "y"} (x, y in [0, 1])
  -h, --help      show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    run: { type: 'string' },
    seed: { type: 'string' },
    neighbours: { type: 'string' },
    'min-dist': { type: 'string' },
    recompute: { type: 'boolean', default: false },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, mapCommand);
  const runId = requiredRunId(values.run);
  const parsed = MapRequest.safeParse({
    id: runId,
    seed: intOption(values.seed, 'seed'),
    neighbours: intOption(values.neighbours, 'neighbours', { min: 2 }),
    minDist: numberOption(values['min-dist'], 'min-dist'),
  });
  if (!parsed.success) throw new UsageError(describeZodError(parsed.error));
  const request = parsed.data;
  const progress = progressPrinter(io);
  const lab = cliLab(databasePath(values.db), progress.update);
  try {
    const { run } = await lab.request('getRun', { id: runId });
    let map = lab.runMap(runId);
    if (map === null || values.recompute || !sameMap(map, request)) map = await mapped(lab, request);
    progress.done();
    if (values.json) {
      const lines = map.index.map((index, i) => JSON.stringify({ index, x: map.x[i], y: map.y[i] }));
      io.stdout(`${lines.join('\n')}\n`);
    } else io.stdout(`${MODEL_LABELS[run.model]} run ${runId}: ${describeMap(map)}\n`);
    return 0;
  } finally {
    progress.done();
    lab.close();
  }
}

/** Whether a stored map was made with the request's parameters. */
function sameMap(map: MapInfo, request: { seed: number; neighbours: number; minDist: number }): boolean {
  return map.seed === request.seed && map.neighbours === request.neighbours && map.minDist === request.minDist;
}

/** Runs a map job to its end; the stored map, or an error saying why there is none. */
async function mapped(lab: Lab, request: Required<MapRequest>): Promise<RunMap> {
  const finished = await lab.jobs.finished(lab.map(request).id);
  if (finished.job.status !== 'done')
    throw new Error(`the map of run ${request.id} ${finished.job.status}: ${finished.job.error ?? ''}`);
  const map = lab.runMap(request.id);
  if (map === null) throw new Error(`the map of run ${request.id} stored nothing`);
  return map;
}

export function describeMap(map: MapInfo): string {
  return `UMAP map of ${map.count} test images (seed ${map.seed}, ${map.neighbours} neighbours, min_dist ${map.minDist}, ${map.epochs} epochs, ${map.dim}-d features, ${map.seconds.toFixed(1)} s)`;
}
