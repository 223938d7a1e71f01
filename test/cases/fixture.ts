/**
 * A hand-made study with known answers for the case queries: six test images (labels deer, frog,
 * truck, deer, frog, truck), three evaluated runs — CNN #1 (deterministic), VNN #2 and MC dropout
 * #3 (T = 4) — and a Grad-CAM explanation of the CNN. Every value is written out below; the tests
 * derive their expectations from this table by hand.
 */
import { defaultRunConfig, type ExplanationSummary, type RunMetrics } from '../../src/shared/contract';
import type { ImagePrediction } from '../../src/main/lab/evaluation/report';
import { openStores, type Stores } from '../../src/main/lab/store/index';
import { openDatabase, type Db } from '../../src/main/lab/store/database';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { emptyExplanation, emptyMetrics } from '../helpers/summaries';
import { syntheticDataset } from '../helpers/synthetic';

// per image: [predicted, confidence, entropy, mutual information, variation ratio, majority]
type Row = [number, number, number, number | null, number | null, number | null];

// prettier-ignore
export const CNN: Row[] = [
  [2, 0.97, 0.15, null, null, null], // 0 deer: wrong, confident
  [1, 0.60, 0.90, null, null, null], // 1 frog: right
  [2, 0.99, 0.05, null, null, null], // 2 truck: right (background 0.7)
  [0, 0.80, 0.60, null, null, null], // 3 deer: right
  [1, 0.90, 0.35, null, null, null], // 4 frog: right
  [0, 0.55, 0.95, null, null, null], // 5 truck: wrong, unsure
];
// prettier-ignore
export const VNN: Row[] = [
  [2, 0.92, 0.30, 0.05, 0.10, 2],
  [0, 0.50, 1.00, 0.40, 0.45, 0], // fragile: variation ratio 0.45
  [2, 0.98, 0.10, 0.01, 0.00, 2],
  [1, 0.60, 0.90, 0.20, 0.20, 1],
  [1, 0.85, 0.45, 0.03, 0.05, 1],
  [2, 0.70, 0.80, 0.10, 0.15, 2],
];
// prettier-ignore
export const MCD: Row[] = [
  [2, 0.95, 0.20, 0.02, 0.05, 2],
  [1, 0.55, 1.05, 0.30, 0.35, 0], // fragile: the samples' majority (deer) is not the mean's class (frog)
  [2, 0.97, 0.12, 0.01, 0.00, 2],
  [2, 0.50, 1.00, 0.25, 0.25, 2],
  [1, 0.88, 0.40, 0.04, 0.02, 1],
  [2, 0.75, 0.70, 0.08, 0.10, 2],
];
export const CNN_BACKGROUND = [0.8, 0.2, 0.7, 0.1, 0.3, 0.4];
export const LABELS = [0, 1, 2, 0, 1, 2];

function predictions(rows: Row[]): ImagePrediction[] {
  return rows.map(([predicted, confidence, entropy, mi, vr, majority], index) => {
    const probabilities = [0, 0, 0].map((_, k) => (k === predicted ? confidence : (1 - confidence) / 2));
    return {
      index,
      label: LABELS[index] ?? 0,
      predicted,
      confidence,
      probabilities,
      entropy,
      mutualInformation: mi,
      variationRatio: vr,
      majority,
      boxplots:
        mi === null
          ? null
          : probabilities.map((p) => ({
              stats: [p - 0.1, p - 0.05, p, p + 0.05, p + 0.1],
              n: 4,
              conf: [p, p],
              out: [],
            })),
    };
  });
}

const metrics = (samples: number): RunMetrics =>
  emptyMetrics({ images: 6, samples, accuracy: 0.5, aucHandTill: 0.5, aucSeedStyle: 0.5, nll: 1, brier: 1 });

export const EXPLANATION: ExplanationSummary = emptyExplanation({
  layer: 'Conv_last',
  images: 6,
  mapShape: [2, 2],
  meanBackground: 0.4,
});

export interface CaseStudy extends Stores {
  db: Db;
  datasetId: number;
  datasetHash: string;
  /** CNN, VNN, MC dropout. */
  runIds: [number, number, number];
}

/** The study in a database (in memory unless a file is given). */
export function caseStudy(file = ':memory:'): CaseStudy {
  const db = openDatabase(file);
  const stores = openStores(db);
  const { datasets, runs, evaluations } = stores;
  const { dataset } = datasets.add(syntheticDataset({ test: 2 }));
  const ids = (['cnn', 'vnn', 'mcdropout'] as const).map((model, m) => {
    const run = runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig(model),
    });
    runs.setStatus(run.id, 'done');
    const rows = [CNN, VNN, MCD][m] ?? CNN;
    evaluations.add(run.id, metrics(model === 'cnn' ? 1 : 4), predictions(rows));
    return run.id;
  }) as [number, number, number];
  stores.explanations.add(
    ids[0],
    EXPLANATION,
    CNN_BACKGROUND.map((background, index) => ({
      index,
      label: LABELS[index] ?? 0,
      predicted: CNN[index]?.[0] ?? 0,
      probability: CNN[index]?.[1] ?? 0,
      background,
      map: new Float32Array([index / 10, 0.5, 1, 0]),
      std: null,
      trueMap: null,
      trueStd: null,
    })),
  );
  return { db, ...stores, datasetId: dataset.id, datasetHash: dataset.contentHash, runIds: ids };
}

// Two more CNNs that differ from CNN #1 only by seed (43, 44): with it, one seed group.
// prettier-ignore
export const SEED_43: Row[] = [
  [2, 0.90, 0.30, null, null, null], // 0 deer: wrong (wrong in all 3 seeds: stable)
  [1, 0.70, 0.80, null, null, null], // 1 frog: right (right in all 3)
  [2, 0.95, 0.20, null, null, null], // 2 truck: right
  [1, 0.60, 0.90, null, null, null], // 3 deer: wrong (1 of 3)
  [1, 0.85, 0.40, null, null, null], // 4 frog: right
  [2, 0.65, 0.85, null, null, null], // 5 truck: right (CNN #1 is wrong: 1 of 3)
];
// prettier-ignore
export const SEED_44: Row[] = [
  [2, 0.93, 0.25, null, null, null], // 0: wrong
  [1, 0.75, 0.70, null, null, null], // 1: right
  [0, 0.52, 1.00, null, null, null], // 2 truck: wrong (1 of 3)
  [0, 0.70, 0.75, null, null, null], // 3: right
  [1, 0.80, 0.50, null, null, null], // 4: right
  [2, 0.60, 0.90, null, null, null], // 5: right
];

/** Adds the seed-43 and seed-44 CNNs to a case study; their ids. */
export function addSeeds(study: CaseStudy): [number, number] {
  const evaluations = new EvaluationStore(study.db);
  const cnn = study.runs.get(study.runIds[0]);
  return (
    [
      [43, SEED_43],
      [44, SEED_44],
    ] as const
  ).map(([seed, rows]) => {
    const run = study.runs.create({
      datasetId: study.datasetId,
      datasetHash: study.datasetHash,
      config: { ...cnn.config, seed },
    });
    study.runs.setStatus(run.id, 'done');
    evaluations.add(run.id, metrics(1), predictions(rows));
    return run.id;
  }) as [number, number];
}
