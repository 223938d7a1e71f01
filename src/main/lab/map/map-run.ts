/**
 * The map job: UMAP of a finished run's stored test features (the layer before the head) to
 * 2-D, seeded, stored with the run (store/maps). A run without stored features gets them first
 * (`computeFeatures`, the features job's own work), so older runs are mapped on demand.
 */
import type { MapInfo, MapRequest, Progress } from '../../../shared/contract';
import { ConflictError } from '../errors';
import { yieldToEventLoop } from '../jobs/yield';
import type { MapStore } from '../store/maps';
import type { RunStore } from '../store/runs';
import { umap2d } from './umap';

/** What the map job reads of a run's features (store/features' FeatureStore). */
export interface FeatureSource {
  get(runId: number, split: 'test'): { dim: number; count: number; values: Float32Array } | null;
}

export interface MapRunOptions {
  runs: RunStore;
  features: FeatureSource;
  maps: MapStore;
  request: Required<MapRequest>;
  /** Computes and stores the run's features (called when it has none). */
  computeFeatures: () => Promise<void>;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export async function mapRun(options: MapRunOptions): Promise<MapInfo> {
  const { runs, request } = options;
  const run = runs.get(request.id);
  if (run.status !== 'done')
    throw new ConflictError(`run ${run.id} is ${run.status}; only a finished run can be mapped`);
  let features = options.features.get(run.id, 'test');
  if (features === null) {
    await options.computeFeatures();
    features = options.features.get(run.id, 'test');
    if (features === null) throw new Error(`run ${run.id} has no features of its test images to map`);
  }
  const started = performance.now();
  const report = (phase: string, done: number, total: number | null) =>
    options.onProgress?.({ phase, done, total, unit: 'steps' });
  report(`neighbours of ${features.count} test images`, 0, null);
  await yieldToEventLoop();
  const { coords, epochs } = await umap2d({
    values: features.values,
    dim: features.dim,
    seed: request.seed,
    neighbours: request.neighbours,
    minDist: request.minDist,
    ...(options.signal ? { signal: options.signal } : {}),
    onEpoch: async (done, total) => {
      report(`UMAP epoch ${done} of ${total}`, done, total);
      await yieldToEventLoop(); // so that a cancel can arrive
    },
  });
  return options.maps.put(run.id, 'test', {
    seed: request.seed,
    neighbours: request.neighbours,
    minDist: request.minDist,
    epochs,
    dim: features.dim,
    coords,
    seconds: (performance.now() - started) / 1000,
  });
}
