/**
 * Per true class, the distribution of each class's probability over the test images of that
 * class: the seed's per-image boxplots pooled over a class. Every stored sample is pooled when the
 * evaluation kept them (n = images × T), else the images' mean probabilities are used (n = images).
 */
import { MAX_BOX_OUTLIERS, type ClassBoxplots } from '../../../shared/contract';
import type { EvaluationStore } from '../store/evaluations';
import { boxplotStats } from './uncertainty';

type Group = ClassBoxplots['groups'][number];
type Box = NonNullable<Group['boxplots']>[number];

/** At most `max` of the outliers, evenly spread over them in sorted order (the extremes kept). */
export function thinOutliers(out: readonly number[], max = MAX_BOX_OUTLIERS): number[] {
  const sorted = [...out].sort((a, b) => a - b);
  if (sorted.length <= max) return sorted;
  if (max <= 1) return sorted.slice(0, max);
  return Array.from({ length: max }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (max - 1))] as number);
}

function box(values: Float64Array): Box {
  const stats = boxplotStats(values);
  return { ...stats, out: thinOutliers(stats.out), outliers: stats.out.length };
}

/** The run's current evaluation pooled per true class; null when the run has no evaluation. */
export function classBoxplots(store: EvaluationStore, runId: number): ClassBoxplots | null {
  const evaluation = store.current(runId);
  if (!evaluation) return null;
  const classes = evaluation.metrics.perClass.map((row) => row.name);
  const K = classes.length;
  const predictions = store.predictions(evaluation.id);
  const labelOf = new Map(predictions.map((p) => [p.index, p.label]));
  const counts = new Array<number>(K).fill(0);
  for (const p of predictions) if (p.label >= 0 && p.label < K) counts[p.label] = (counts[p.label] ?? 0) + 1;

  const T = evaluation.metrics.samples;
  // Pooled samples: values[c][k] holds p_k of every sample of every image of true class c.
  const pooled = classes.map((_, c) => classes.map(() => new Float64Array((counts[c] ?? 0) * T)));
  const filled = new Array<number>(K).fill(0);
  let stored = 0;
  if (T > 1) {
    for (const image of store.allSamples(evaluation.id)) {
      const c = labelOf.get(image.index);
      if (c === undefined || image.classes !== K || image.samples !== T) continue;
      const offset = filled[c] as number;
      for (let t = 0; t < T; t++)
        for (let k = 0; k < K; k++) (pooled[c]?.[k] as Float64Array)[offset + t] = image.values[t * K + k] as number;
      filled[c] = offset + T;
      stored++;
    }
  }
  // Samples only when every image has them: a partial pool would weigh images unequally.
  const source = T > 1 && stored === predictions.length && stored > 0 ? 'samples' : 'means';
  const groups: Group[] = classes.map((name, c) => {
    const images = counts[c] ?? 0;
    if (images === 0) return { trueClass: c, name, images, boxplots: null };
    if (source === 'samples') return { trueClass: c, name, images, boxplots: (pooled[c] ?? []).map(box) };
    const ofClass = predictions.filter((p) => p.label === c);
    return {
      trueClass: c,
      name,
      images,
      boxplots: classes.map((_, k) => box(Float64Array.from(ofClass, (p) => p.probabilities[k] ?? 0))),
    };
  });
  return { runId, evaluationId: evaluation.id, source, samples: T, classes, groups };
}
