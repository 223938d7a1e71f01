/**
 * A small study for the compare tests: runs with stored predictions on a synthetic dataset, each
 * right on a chosen set of test images (probabilities follow: the label gets `confidence` when
 * right, a wrong class gets it when wrong).
 */
import { defaultRunConfig, type RunConfig } from '../../../src/shared/contract';
import type { ImagePrediction } from '../../../src/main/lab/evaluation/report';
import { openDatabase, type Db } from '../../../src/main/lab/store/database';
import { DatasetStore } from '../../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../../src/main/lab/store/evaluations';
import { RunStore } from '../../../src/main/lab/store/runs';
import { seededRandom } from '../../../src/main/lab/training/random';
import { emptyMetrics } from '../../helpers/summaries';
import { syntheticDataset } from '../../helpers/synthetic';

export interface StatStudy {
  db: Db;
  runs: RunStore;
  evaluations: EvaluationStore;
  datasets: DatasetStore;
  /** Adds an evaluated CNN run, right where `right(i)`, on the first `images` test images of a dataset. */
  addRun: (options: {
    right: (i: number) => boolean;
    images?: number;
    dataset?: 'a' | 'b';
    seed?: number;
    /** Overrides of the run's config (e.g. its seed, making a seed group). */
    config?: Partial<RunConfig>;
  }) => number;
}

export const K = 3;
export const PER_CLASS = 100;

/** The study in a database (in memory unless a file is given). */
export function statStudy(file = ':memory:'): StatStudy {
  const db = openDatabase(file);
  const datasets = new DatasetStore(db);
  const runs = new RunStore(db);
  const evaluations = new EvaluationStore(db);
  const a = datasets.add(syntheticDataset({ test: PER_CLASS })).dataset;
  const b = datasets.add({ ...syntheticDataset({ test: PER_CLASS, seed: 5 }), name: 'other' }).dataset;
  const addRun: StatStudy['addRun'] = ({ right, images = K * PER_CLASS, dataset = 'a', seed = 1, config = {} }) => {
    const d = dataset === 'a' ? a : b;
    const run = runs.create({
      datasetId: d.id,
      datasetHash: d.contentHash,
      config: { ...defaultRunConfig('cnn'), ...config },
    });
    runs.setStatus(run.id, 'done');
    const random = seededRandom(seed);
    const rows: ImagePrediction[] = Array.from({ length: images }, (_, index) => {
      const label = index % K;
      const predicted = right(index) ? label : (label + 1) % K;
      const confidence = 0.5 + 0.49 * random();
      const probabilities = Array.from({ length: K }, (_, k) =>
        k === predicted ? confidence : (1 - confidence) / (K - 1),
      );
      return {
        index,
        label,
        predicted,
        confidence,
        probabilities,
        entropy: 0,
        mutualInformation: null,
        variationRatio: null,
        majority: null,
        boxplots: null,
      };
    });
    evaluations.add(run.id, emptyMetrics({ images, samples: 1 }), rows);
    return run.id;
  };
  return { db, runs, evaluations, datasets, addRun };
}
