/** A run's stored map with what colours it: the one reader for the app, the CLI and the figures. */
import type { RunMap } from '../../../shared/contract';
import type { DatasetStore } from '../store/datasets';
import type { EvaluationStore } from '../store/evaluations';
import type { ExplanationStore } from '../store/explanations';
import type { MapStore } from '../store/maps';
import type { RunStore } from '../store/runs';

export interface MapSources {
  runs: RunStore;
  datasets: DatasetStore;
  evaluations: EvaluationStore;
  explanations: ExplanationStore;
  maps: MapStore;
}

/**
 * The run's test map (null: none stored), coloured from the run's current evaluation (predicted
 * class, mutual information) and the explanation the case lists take background shares from (ExplanationStore.forBackground), and the images' tags.
 */
export function readRunMap(sources: MapSources, runId: number): RunMap | null {
  const run = sources.runs.get(runId);
  const stored = sources.maps.get(runId);
  if (stored === null) return null;
  const dataset = sources.datasets.get(run.datasetId);
  const { coords, info } = stored;
  const colours = sources.maps.colours(
    dataset,
    info.count,
    sources.evaluations.current(runId)?.id ?? null,
    sources.explanations.forBackground(runId)?.id ?? null,
  );
  const x = new Array<number>(info.count);
  const y = new Array<number>(info.count);
  for (let i = 0; i < info.count; i++) {
    x[i] = coords[2 * i] ?? 0;
    y[i] = coords[2 * i + 1] ?? 0;
  }
  const index = Array.from({ length: info.count }, (_, i) => i);
  return { ...info, classes: dataset.classes, index, x, y, ...colours };
}
