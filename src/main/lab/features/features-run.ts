/**
 * The features job: a finished run's features (./extract) of every training image it used
 * (its `trainLimit`, the validation share included) and every test image it is evaluated on
 * (its `testLimit`), stored with the run as float16 (store/features). Queued after the
 * evaluation like the explanation, and on demand for older runs.
 */
import type { Progress, Split } from '../../../shared/contract';
import { openFinishedRun } from '../inference/finished-run';
import type { DatasetStore } from '../store/datasets';
import type { FeatureInfo, FeatureStore } from '../store/features';
import type { RunStore } from '../store/runs';
import { ImageSet } from '../training/data';
import { extractFeatures } from './extract';

export interface FeaturesRunOptions {
  runs: RunStore;
  datasets: DatasetStore;
  features: FeatureStore;
  runId: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Computes and stores a run's features; what was stored, per split. */
export async function computeRunFeatures(options: FeaturesRunOptions): Promise<FeatureInfo[]> {
  const { runs, datasets, runId } = options;
  const { run, dataset, test, models } = await openFinishedRun(runs, datasets, runId, 'searched for neighbours');
  try {
    const train = ImageSet.fromSplit(
      datasets.loadSplit(dataset.id, 'train'),
      dataset.imageShape,
      dataset.classes.length,
      run.config.trainLimit,
    );
    const total = train.size + test.size;
    const splits: { split: Split; dim: number; values: Float32Array; layer: string }[] = [];
    let before = 0;
    for (const [split, set] of [
      ['train', train],
      ['test', test],
    ] as const) {
      const features = await extractFeatures(models, set, {
        ...(options.signal ? { signal: options.signal } : {}),
        onBatch: (done) =>
          options.onProgress?.({ phase: `features (${split})`, done: before + done, total, unit: 'images' }),
      });
      splits.push({ split, ...features });
      before += set.size;
    }
    options.features.putAll(runId, splits);
    return options.features.info(runId);
  } finally {
    for (const model of models) model.dispose();
  }
}
