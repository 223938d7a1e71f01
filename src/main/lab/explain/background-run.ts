/**
 * The background test job: every test image of a finished, evaluated run predicted unchanged and
 * with its ring or its centre replaced (./background.ts), by the run's own prediction procedure —
 * one prediction for a deterministic model, T samples of the head for the VNN and MC dropout, the
 * members for an ensemble — with the same noise for an image's five versions, so that the changes
 * measure the fill, not the sampling. Stored in one transaction at the end.
 */
import type { BackgroundSummary, Progress } from '../../../shared/contract';
import { BACKGROUND_RING_AREA } from '../../../shared/heatmap';
import { tf } from '../engine/backend';
import { openFinishedRun } from '../inference/finished-run';
import { chunkSeed, runSampler, type RunSampler } from '../inference/sampler';
import { yieldToEventLoop } from '../jobs/yield';
import type { BackgroundStore, StoredBackgroundImage } from '../store/background';
import type { DatasetStore } from '../store/datasets';
import type { EvaluationStore } from '../store/evaluations';
import type { RunStore } from '../store/runs';
import { BACKGROUND_VARIANTS, backgroundVariants, backgroundVerdict, blurSigma } from './background';
import { currentPredictions } from './explain-run';

/**
 * T for the VNN and MC dropout unless asked otherwise. The score is a difference of two means
 * over the same T noise draws (common random numbers), so its Monte Carlo error is the spread of
 * the per-sample differences over √T: at most about 0.2 / √50 ≈ 0.03, and far less where the fill
 * changes little. T = 50 keeps the MC-dropout run (whose head costs twice its trunk per sample)
 * near the 20 s target for 3,000 images (see docs/decisions.md).
 */
export const DEFAULT_BACKGROUND_SAMPLES = 50;
const CHUNK = 100;

export interface BackgroundOptions {
  runs: RunStore;
  datasets: DatasetStore;
  evaluations: EvaluationStore;
  background: BackgroundStore;
  runId: number;
  samples?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/**
 * The background test of a batch of n images (`pixels`, n × H·W·C in [0, 1]): each image's K mean
 * probabilities over the sampler's T samples unchanged and with each fill, with the same noise
 * (`seed`) for all five versions, and its verdict for class `predicted[i]`. Indices count from 0.
 */
export async function testBatch(input: {
  sampler: RunSampler;
  classes: number;
  shape: readonly [number, number, number];
  pixels: Float32Array;
  labels: readonly number[];
  predicted: readonly number[];
  seed: number;
  /** n × K probabilities of the unchanged images, when they are known already (a deterministic model's evaluation). */
  base?: Float64Array;
}): Promise<StoredBackgroundImage[]> {
  const { sampler, classes: K, shape, pixels, labels, predicted, seed } = input;
  const n = labels.length;
  const T = sampler.perImage;
  const meanProbabilities = async (values: Float32Array): Promise<Float64Array> => {
    const x = tf.tensor4d(values, [n, ...shape]);
    try {
      const samples = await sampler.run(x, seed);
      const mean = new Float64Array(n * K);
      for (let i = 0; i < n; i++)
        for (let t = 0; t < T; t++)
          for (let k = 0; k < K; k++)
            mean[i * K + k] = (mean[i * K + k] ?? 0) + (samples[(i * T + t) * K + k] ?? 0) / T;
      return mean;
    } finally {
      x.dispose();
    }
  };
  const variants = backgroundVariants(pixels, shape);
  const base = input.base ?? (await meanProbabilities(pixels));
  const changed: Float64Array[] = [];
  for (const name of BACKGROUND_VARIANTS) changed.push(await meanProbabilities(variants[name]));
  return labels.map((label, i) => {
    const row = (p: Float64Array) => Array.from(p.subarray(i * K, (i + 1) * K));
    const fills = changed.map(row) as [number[], number[], number[], number[]];
    const verdict = backgroundVerdict(predicted[i] ?? 0, row(base), fills);
    return {
      index: i,
      label,
      predicted: verdict.predicted,
      dependence: verdict.dependence,
      centreDependence: verdict.centreDependence,
      flips: verdict.flips,
      flippedTo: verdict.flippedTo,
      probabilities: [row(base), ...fills],
    };
  });
}

export async function backgroundTestRun(options: BackgroundOptions): Promise<BackgroundSummary> {
  const { run, dataset, test, models } = await openFinishedRun(options.runs, options.datasets, options.runId, 'tested');
  const started = performance.now();
  try {
    const evaluation = options.evaluations.current(run.id);
    const evaluated = currentPredictions(options.evaluations, run.id, test.labels);
    const sampler = runSampler(models, options.samples ?? DEFAULT_BACKGROUND_SAMPLES);
    const T = sampler.perImage;
    const deterministic = models.length > 1 || T === 1;
    const K = dataset.classes.length;
    const shape = dataset.imageShape;
    const images: StoredBackgroundImage[] = [];
    for (let start = 0; start < test.size; start += CHUNK) {
      await yieldToEventLoop(); // so that a cancel can arrive
      if (options.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      const end = Math.min(test.size, start + CHUNK);
      const n = end - start;
      const { x, y } = test.batch(test.range(start, end));
      let pixels: Float32Array;
      try {
        pixels = Float32Array.from(x.dataSync());
      } finally {
        tf.dispose([x, y]);
      }
      const labels = Array.from(test.labels.subarray(start, end));
      const predicted = Array.from({ length: n }, (_, i) => evaluated[start + i]?.predicted ?? 0);
      const seed = chunkSeed(run.config.seed, start) ^ 0xb6;
      // a deterministic model's (or an ensemble's) unchanged prediction is its evaluation's
      const base = deterministic
        ? Float64Array.from(evaluated.slice(start, end).flatMap((p) => p.probabilities))
        : undefined;
      const tested = await testBatch({
        sampler,
        classes: K,
        shape,
        pixels,
        labels,
        predicted,
        seed,
        ...(base ? { base } : {}),
      });
      tested.forEach((image, i) => images.push({ ...image, index: start + i }));
      options.onProgress?.({
        phase: `background test${T > 1 ? ` (${T} samples per image)` : ''}`,
        done: end,
        total: test.size,
        unit: 'images',
      });
    }
    const mean = (f: (image: StoredBackgroundImage) => number) =>
      images.length > 0 ? images.reduce((s, image) => s + f(image), 0) / images.length : 0;
    const argmax = (p: readonly number[]) => p.reduce((best, v, k) => (v > (p[best] ?? -1) ? k : best), 0);
    const stays = (image: StoredBackgroundImage) => argmax(image.probabilities[0] ?? []) === image.predicted;
    const flipsBy = (v: number) =>
      images.filter((image) => stays(image) && argmax(image.probabilities[1 + v] ?? []) !== image.predicted).length;
    const summary: BackgroundSummary = {
      evaluationId: evaluation?.id ?? 0,
      samples: T,
      images: images.length,
      meanDependence: mean((image) => image.dependence),
      meanCentreDependence: mean((image) => image.centreDependence),
      flips: images.filter((image) => image.flips).length,
      flipsBlur: flipsBy(0),
      flipsMean: flipsBy(1),
      flipsRight: images.filter((image) => image.flips && image.predicted === image.label).length,
      ringArea: BACKGROUND_RING_AREA,
      blurSigma: blurSigma(shape[0], shape[1]),
      seconds: (performance.now() - started) / 1000,
    };
    options.background.add(run.id, summary, images);
    return summary;
  } finally {
    for (const model of models) model.dispose();
  }
}
