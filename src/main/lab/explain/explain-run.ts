/**
 * The explanation job: Grad-CAM (or Grad-CAM++) of every test image of a run, for the
 * predicted class and, where it differs, the true class (or for one chosen class); MC Grad-CAM (T samples of the head)
 * for stochastic models and the members' mean for ensembles; per image the background share;
 * per run the deletion check and ROAD beside it. Stored in one transaction at the end.
 *
 * The predicted class (and its mean probability) of each image is the run's current
 * evaluation's, never the explanation's own samples: the gallery and the confusion matrix agree.
 */
import type { ExplanationSummary, ExplainRequest, Progress } from '../../../shared/contract';
import { backgroundShare, ringMask, upsampleBilinear } from '../../../shared/heatmap';
import { tf } from '../engine/backend';
import { openFinishedRun } from '../inference/finished-run';
import { chunkSeed, expectedProbabilities } from '../inference/sampler';
import { ConflictError } from '../errors';
import type { DatasetStore } from '../store/datasets';
import type { EvaluationStore, StoredPrediction } from '../store/evaluations';
import type { ExplanationStore, StoredImageExplanation } from '../store/explanations';
import type { RunStore } from '../store/runs';
import { permutation, seededRandom } from '../training/random';
import type { CamMethod } from './cam';
import { camMaps, type ExplainBatchOptions } from './explain';
import { DELETION_FRACTIONS, deletionCheck, rankByMap } from './faithfulness';
import { GradCam } from './gradcam';
import { roadCheck, roadScore } from './road';
import { GradCamPlusPlus } from './gradcampp';
import { camModel, type CamModel } from './target';
import { yieldToEventLoop } from '../jobs/yield';

/** T for MC Grad-CAM unless the request says otherwise. */
export const DEFAULT_CAM_SAMPLES = 100;
const CHUNK = 100;

export const CAM_METHODS: Record<ExplanationSummary['method'], () => CamMethod> = {
  gradcam: () => new GradCam(),
  gradcampp: () => new GradCamPlusPlus(),
};

export interface ExplainOptions {
  runs: RunStore;
  datasets: DatasetStore;
  evaluations: EvaluationStore;
  explanations: ExplanationStore;
  request: Omit<ExplainRequest, 'method' | 'score'> & Pick<ExplanationSummary, 'method' | 'score'>;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export async function explainRun(options: ExplainOptions): Promise<ExplanationSummary> {
  const { runs, datasets, request } = options;
  const { run, dataset, test, models } = await openFinishedRun(runs, datasets, request.id, 'explained');
  const runId = run.id;
  const started = performance.now();
  try {
    const evaluated = currentPredictions(options.evaluations, runId, test.labels);
    const cams = models.map((model) => camModel(model, request.layer));
    const first = cams[0] as CamModel;
    const stochastic = cams.length === 1 && first.randomLayers.length > 0;
    const samples = cams.length > 1 ? cams.length : stochastic ? (request.samples ?? DEFAULT_CAM_SAMPLES) : 1;
    const method = CAM_METHODS[request.method]();
    const [h, w] = first.shape;
    const [H, W] = dataset.imageShape;
    const ring = ringMask(H, W);
    const images: StoredImageExplanation[] = [];
    const drops = DELETION_FRACTIONS.map(() => ({ deletion: 0, random: 0, most: 0, least: 0 }));
    const K = dataset.classes.length;
    const chosen = request.targetClass;
    if (chosen !== undefined && chosen >= K)
      throw new Error(
        `targetClass: class ${chosen} does not exist; the dataset's classes are ${dataset.classes.map((c, k) => `${k} ${c}`).join(', ')}`,
      );
    for (let start = 0; start < test.size; start += CHUNK) {
      await yieldToEventLoop(); // so that a cancel can arrive
      if (options.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      const end = Math.min(test.size, start + CHUNK);
      const n = end - start;
      const { x, y } = test.batch(test.range(start, end));
      try {
        const labels = Int32Array.from(test.labels.subarray(start, end));
        const batchOptions: ExplainBatchOptions = {
          method,
          score: request.score,
          samples,
          seed: chunkSeed(run.config.seed, start),
        };
        // the true class's maps first; then, where the evaluation's prediction is wrong, the
        // predicted class's (a chosen class: its maps only)
        const truth = await camMaps(
          cams,
          x,
          chosen === undefined ? labels : new Int32Array(n).fill(chosen),
          batchOptions,
        );
        const predicted = Int32Array.from(evaluated.slice(start, end), (p) => p.predicted);
        const explained = chosen === undefined ? predicted : new Int32Array(n).fill(chosen);
        const wrong = chosen === undefined ? [...predicted.keys()].filter((i) => predicted[i] !== labels[i]) : [];
        const other =
          wrong.length === 0
            ? null
            : await (async () => {
                const xw = tf.gather(x, wrong);
                try {
                  return await camMaps(
                    cams,
                    xw,
                    Int32Array.from(wrong, (i) => predicted[i] ?? 0),
                    { ...batchOptions, seed: batchOptions.seed + 1 },
                  );
                } finally {
                  xw.dispose();
                }
              })();
        const slice = (values: Float32Array | null, i: number) =>
          values === null ? null : values.slice(i * h * w, (i + 1) * h * w);
        const rankings: Uint32Array[] = [];
        for (let i = 0; i < n; i++) {
          const j = wrong.indexOf(i);
          const map = j < 0 ? slice(truth.maps, i) : slice(other?.maps ?? null, j);
          const std = j < 0 ? slice(truth.std, i) : slice(other?.std ?? null, j);
          if (map === null) throw new Error('a map is missing');
          const full = upsampleBilinear(map, h, w, H, W);
          rankings.push(rankByMap(full));
          images.push({
            index: start + i,
            label: labels[i] ?? 0,
            predicted: predicted[i] ?? 0,
            probability: evaluated[start + i]?.confidence ?? 0,
            background: backgroundShare(full, ring),
            map,
            std,
            trueMap: j < 0 ? null : slice(truth.maps, i),
            trueStd: j < 0 ? null : slice(truth.std, i),
          });
        }
        // deletion check, with the model's mean prediction (random layers at their mean; members averaged)
        const random = seededRandom(batchOptions.seed);
        const pixels = x.dataSync() as Float32Array;
        const probabilityOf = (values: Float32Array): Float64Array => {
          const batch = tf.tensor4d(values, [n, ...dataset.imageShape]);
          try {
            const p = expectedProbabilities(models, batch);
            return Float64Array.from({ length: n }, (_, i) => p[i * K + (explained[i] ?? 0)] ?? 0);
          } finally {
            batch.dispose();
          }
        };
        const base = probabilityOf(pixels);
        const check = deletionCheck({
          pixels,
          shape: dataset.imageShape,
          rankings,
          randomRankings: rankings.map(() => permutation(H * W, random)),
          probabilityOf,
          base,
        });
        // ROAD: the same rankings, filled by noisy linear imputation (its noise seeded as the rest)
        const road = roadCheck({ pixels, shape: dataset.imageShape, rankings, random, probabilityOf, base });
        check.forEach((sums, f) => {
          const entry = drops[f] as { deletion: number; random: number; most: number; least: number };
          entry.deletion += sums.deletion;
          entry.random += sums.random;
          entry.most += road[f]?.most ?? 0;
          entry.least += road[f]?.least ?? 0;
        });
      } finally {
        tf.dispose([x, y]);
      }
      options.onProgress?.({
        phase: `explaining (${request.method}${samples > 1 ? `, ${samples} samples per image` : ''})`,
        done: end,
        total: test.size,
        unit: 'images',
      });
    }
    const deletion = DELETION_FRACTIONS.map((fraction, f) => ({
      fraction,
      deletionDrop: test.size > 0 ? (drops[f]?.deletion ?? 0) / test.size : 0,
      randomDrop: test.size > 0 ? (drops[f]?.random ?? 0) / test.size : 0,
    }));
    const road = DELETION_FRACTIONS.map((fraction, f) => ({
      fraction,
      mostDrop: test.size > 0 ? (drops[f]?.most ?? 0) / test.size : 0,
      leastDrop: test.size > 0 ? (drops[f]?.least ?? 0) / test.size : 0,
    }));
    const at20 = deletion.find((d) => d.fraction === 0.2);
    const shares = images.map((image) => image.background).filter((b): b is number => b !== null);
    let [stdSum, stdCount, maxStd] = [0, 0, 0];
    for (const { std } of images) {
      for (const v of std ?? []) {
        stdSum += v;
        maxStd = Math.max(maxStd, v);
      }
      stdCount += std?.length ?? 0;
    }
    const summary: ExplanationSummary = {
      method: request.method,
      layer: first.layer,
      score: request.score,
      targetClass: chosen ?? null,
      samples,
      images: test.size,
      mapShape: [h, w],
      deletion,
      deletionDrop: at20?.deletionDrop ?? 0,
      randomDrop: at20?.randomDrop ?? 0,
      road,
      roadScore: roadScore(road),
      meanBackground: shares.length > 0 ? shares.reduce((a, b) => a + b, 0) / shares.length : null,
      meanStd: stdCount > 0 ? stdSum / stdCount : null,
      maxStd: stdCount > 0 ? maxStd : null,
      seconds: (performance.now() - started) / 1000,
    };
    options.explanations.add(runId, summary, images);
    return summary;
  } finally {
    for (const model of models) model.dispose();
  }
}

/**
 * The run's current evaluation's prediction for every test image, checked to cover the same
 * test images as the explanation (the run's test set, `testLimit` applied).
 */
export function currentPredictions(
  evaluations: EvaluationStore,
  runId: number,
  labels: ArrayLike<number>,
): StoredPrediction[] {
  const evaluation = evaluations.current(runId);
  if (evaluation === null) throw new ConflictError(`run ${runId} has no evaluation; evaluate it first`);
  const predictions = evaluations.predictions(evaluation.id);
  const mismatch = predictions.findIndex((p, i) => p.index !== i || p.label !== labels[i]);
  if (predictions.length !== labels.length || mismatch >= 0) {
    throw new ConflictError(
      predictions.length !== labels.length
        ? `evaluation ${evaluation.id} of run ${runId} covers ${predictions.length} test images, the run's test set has ${labels.length}; evaluate it again`
        : `evaluation ${evaluation.id} of run ${runId} does not cover the run's test image ${mismatch} (index or label differs); evaluate it again`,
    );
  }
  return predictions;
}
