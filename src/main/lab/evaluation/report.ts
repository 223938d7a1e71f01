/**
 * From the sampled probabilities of every test image to the run's metrics and each image's
 * summary (DESIGN.md §4). Pure: arrays in, plain objects out.
 */
import type { RunMetrics } from '../../../shared/contract';
import { handTillAuc, seedStyleAuc } from './auc';
import { calibration } from './calibration';
import {
  accuracy,
  brierScore,
  confusionMatrix,
  correctness,
  negativeLogLikelihood,
  precisionRecall,
} from './classification';
import { riskCoverage } from './selective';
import { classBoxplots, mcStandardErrors, summariseSamples, type BoxplotStats } from './uncertainty';

export interface SampledPredictions {
  /** True label per image. */
  labels: ArrayLike<number>;
  /** N × T × K probabilities, image-major: image i's sample t, class k at (i·T + t)·K + k. */
  samples: Float32Array;
  /** T (1 for a deterministic model). */
  perImage: number;
  classes: readonly string[];
}

export interface ImagePrediction {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
  probabilities: number[];
  entropy: number;
  /** Stochastic models only. */
  mutualInformation: number | null;
  variationRatio: number | null;
  /** The class most samples vote for (stochastic models only). */
  majority: number | null;
  boxplots: BoxplotStats[] | null;
}

const CONVERGENCE_SIZES = [10, 30, 100, 300, 1000];
const MAX_CURVE_POINTS = 200;

export function summarise(
  input: SampledPredictions,
  seconds: number,
): { metrics: RunMetrics; images: ImagePrediction[] } {
  const K = input.classes.length;
  const T = input.perImage;
  const n = input.labels.length;
  if (input.samples.length !== n * T * K) {
    throw new Error(`samples: expected ${n} × ${T} × ${K} = ${n * T * K} values, got ${input.samples.length}`);
  }
  const stochastic = T > 1;
  const mean = new Float64Array(n * K);
  const images: ImagePrediction[] = [];
  const seSums = new Map<number, { sum: number; count: number }>();
  for (let i = 0; i < n; i++) {
    const block = input.samples.subarray(i * T * K, (i + 1) * T * K);
    const summary = summariseSamples(block, K);
    mean.set(summary.meanProbabilities, i * K);
    images.push({
      index: i,
      label: input.labels[i] ?? 0,
      predicted: summary.predictedClass,
      confidence: summary.confidence,
      probabilities: summary.meanProbabilities,
      entropy: summary.predictiveEntropy,
      mutualInformation: stochastic ? summary.mutualInformation : null,
      variationRatio: stochastic ? summary.variationRatio : null,
      majority: stochastic ? summary.modalClass : null,
      boxplots: stochastic ? classBoxplots(block, K) : null,
    });
    if (stochastic) {
      for (const point of mcStandardErrors(block, K, { sizes: CONVERGENCE_SIZES }).points) {
        const entry = seSums.get(point.samples) ?? { sum: 0, count: 0 };
        entry.sum += point.standardError;
        entry.count += 1;
        seSums.set(point.samples, entry);
      }
    }
  }
  const predicted = images.map((image) => image.predicted);
  const confidence = images.map((image) => image.confidence);
  const correct = correctness(input.labels, predicted);
  const confusion = confusionMatrix(input.labels, predicted, K);
  const pr = precisionRecall(confusion);
  const calib = calibration(confidence, correct);
  const rc = riskCoverage(confidence, correct);
  const step = Math.max(1, Math.ceil(rc.coverage.length / MAX_CURVE_POINTS));
  const curve: RunMetrics['riskCoverage'] = [];
  for (let k = step - 1; k < rc.coverage.length; k += step)
    curve.push({ coverage: rc.coverage[k] ?? 0, risk: rc.risk[k] ?? 0 });
  const last = rc.coverage.length - 1;
  if (last >= 0 && curve.at(-1)?.coverage !== rc.coverage[last])
    curve.push({ coverage: rc.coverage[last] ?? 1, risk: rc.risk[last] ?? 0 });
  const average = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
  return {
    metrics: {
      images: n,
      samples: T,
      accuracy: accuracy(input.labels, predicted),
      aucHandTill: handTillAuc(mean, input.labels, K).auc,
      aucSeedStyle: seedStyleAuc(input.labels, predicted).auc,
      nll: negativeLogLikelihood(mean, input.labels, K),
      brier: brierScore(mean, input.labels, K),
      ece: calib.ece,
      aurc: rc.aurc,
      perClass: input.classes.map((name, k) => ({
        name,
        precision: pr.precision[k] ?? null,
        recall: pr.recall[k] ?? null,
        support: pr.support[k] ?? 0,
      })),
      confusion,
      reliability: calib.bins.map((bin) => ({ ...bin })),
      riskCoverage: curve,
      convergence: [...seSums].map(([samples, { sum, count }]) => ({ samples, standardError: sum / count })),
      meanEntropy: average(images.map((image) => image.entropy)),
      meanMutualInformation: stochastic ? average(images.map((image) => image.mutualInformation ?? 0)) : null,
      seconds,
    },
    images,
  };
}
