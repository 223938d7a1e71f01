/**
 * The evaluation job: the run's best model on its test set, T stochastic samples per image for
 * stochastic models (trunk once, head T times; an ensemble's members are its samples), every
 * metric of DESIGN.md §4, stored with the samples behind the boxplots (stochastic runs only).
 */
import type { Progress, RunMetrics } from '../../../shared/contract';
import { tf } from '../engine/backend';
import type { DatasetStore } from '../store/datasets';
import type { EvaluationStore } from '../store/evaluations';
import type { RunStore } from '../store/runs';
import { openFinishedRun } from '../inference/finished-run';
import { chunkSeed, DEFAULT_SAMPLES, runSampler } from '../inference/sampler';
import { summarise } from './report';
import { yieldToEventLoop } from '../jobs/yield';

export interface EvaluateOptions {
  runs: RunStore;
  datasets: DatasetStore;
  evaluations: EvaluationStore;
  runId: number;
  /** T for stochastic models; default 1000, as the seed. */
  samples?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Images per chunk: bounds memory (N·T·K floats per chunk) and lets progress and cancel through. */
const CHUNK = 250;

export async function evaluateRun(options: EvaluateOptions): Promise<RunMetrics> {
  const { runs, datasets, runId } = options;
  const { run, dataset, test, models } = await openFinishedRun(runs, datasets, runId, 'evaluated');
  const started = performance.now();
  try {
    const sample = runSampler(models, options.samples ?? DEFAULT_SAMPLES);
    const T = sample.perImage;
    const K = dataset.classes.length;
    const samples = new Float32Array(test.size * T * K);
    for (let start = 0; start < test.size; start += CHUNK) {
      await yieldToEventLoop(); // so that a cancel can arrive
      if (options.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      const end = Math.min(test.size, start + CHUNK);
      const { x, y } = test.batch(test.range(start, end));
      try {
        // seeded by the run's seed and the chunk: evaluating the same run twice gives the same numbers
        samples.set(await sample.run(x, chunkSeed(run.config.seed, start)), start * T * K);
      } finally {
        tf.dispose([x, y]);
      }
      options.onProgress?.({
        phase: `evaluating (${T} sample${T === 1 ? '' : 's'} per image)`,
        done: end,
        total: test.size,
        unit: 'images',
      });
    }
    const { metrics, images } = summarise(
      { labels: test.labels, samples, perImage: T, classes: dataset.classes },
      (performance.now() - started) / 1000,
    );
    options.evaluations.add(runId, metrics, images, samples);
    return metrics;
  } finally {
    for (const model of models) model.dispose();
  }
}
