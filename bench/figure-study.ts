// A study database for figures and reports: bench/cases.ts's `benchStudy` (3 runs × N images with
// explanations), then for each run recorded epochs (learning curves) and an evaluation computed by
// the real summariser from synthetic samples (T = 1 for the CNN, `samples` for the VNN and MC
// dropout), so reliability, risk–coverage, convergence and boxplots have real shapes; and exactly
// `annotated` annotated images, with tags and notes; the first run has an embedding map.
import { summarise } from '../src/main/lab/evaluation/report';
import { RunStore } from '../src/main/lab/store/runs';
import { DatasetStore } from '../src/main/lab/store/datasets';
import { EvaluationStore } from '../src/main/lab/store/evaluations';
import { ExplanationStore } from '../src/main/lab/store/explanations';
import { FigureService } from '../src/main/lab/figures/service';
import { seededRandom } from '../src/main/lab/training/random';
import type { Db } from '../src/main/lab/store/database';
import { MapStore } from '../src/main/lab/store/maps';
import type { CaseService } from '../src/main/lab/cases/cases';
import { benchStudy } from './cases';

export interface FigureStudy {
  db: Db;
  ids: number[];
  datasetId: number;
  cases: CaseService;
  figures: FigureService;
  datasets: DatasetStore;
  /** The annotated images' indices. */
  annotated: number[];
}

export function figureStudy(
  dir: string,
  options: { images?: number; annotated?: number; samples?: number; epochs?: number } = {},
): FigureStudy {
  const images = options.images ?? 300;
  const annotatedCount = options.annotated ?? 20;
  const T = options.samples ?? 30;
  const epochCount = options.epochs ?? 12;
  const { db, ids, datasetId, cases } = benchStudy(images, dir);
  const runs = new RunStore(db);
  const datasets = new DatasetStore(db);
  const evaluations = new EvaluationStore(db);
  const explanations = new ExplanationStore(db);
  const random = seededRandom(11);
  const classes = datasets.get(datasetId).classes;
  const K = classes.length;
  const labels = Array.from({ length: images }, (_, i) => i % K);
  ids.forEach((id, r) => {
    const skill = 1.2 + 0.4 * r;
    for (let e = 1; e <= epochCount; e++) {
      const fall = Math.exp(-e / (3 + r));
      runs.recordEpoch(
        id,
        {
          epoch: e,
          loss: 0.35 + 0.8 * fall + 0.02 * random(),
          accuracy: 0.9 - 0.5 * fall + 0.01 * random(),
          valLoss: 0.45 + 0.7 * fall + 0.04 * random() + 0.004 * e,
          valAccuracy: 0.86 - 0.45 * fall + 0.02 * random(),
          seconds: 3,
          imagesPerSecond: 400,
        },
        { best: e === epochCount - 2 ? { epoch: e, valLoss: 0.5 } : null, checkpoints: {} },
      );
    }
    const perImage = r === 0 ? 1 : T;
    const samples = new Float32Array(images * perImage * K);
    for (let i = 0; i < images; i++) {
      const centre = Array.from({ length: K }, (_, k) => (k === labels[i] ? skill * random() * 2 : random()));
      for (let t = 0; t < perImage; t++) {
        const logits = centre.map((c) => c + (perImage > 1 ? 0.6 * (random() - 0.5) : 0));
        const exp = logits.map((v) => Math.exp(v));
        const sum = exp.reduce((a, b) => a + b, 0);
        exp.forEach((v, k) => (samples[(i * perImage + t) * K + k] = v / sum));
      }
    }
    const { metrics, images: rows } = summarise({ labels, samples, perImage, classes }, 1);
    evaluations.add(id, metrics, rows);
  });
  // the first run's embedding map: a cluster per class (a stand-in for UMAP: figures only draw it)
  const coords = new Float32Array(images * 2);
  for (let i = 0; i < images; i++) {
    const angle = (2 * Math.PI * (labels[i] ?? 0)) / K;
    coords[2 * i] = 0.5 + 0.35 * Math.cos(angle) + 0.08 * (random() - 0.5);
    coords[2 * i + 1] = 0.5 + 0.35 * Math.sin(angle) + 0.08 * (random() - 0.5);
  }
  const first = ids[0];
  if (first !== undefined)
    new MapStore(db).put(first, 'test', {
      seed: 42,
      neighbours: 15,
      minDist: 0.1,
      epochs: 500,
      dim: 64,
      coords,
      seconds: 1,
    });
  // exactly `annotatedCount` annotated images (benchStudy annotates 100)
  const annotated: number[] = [];
  for (const annotation of cases.listAnnotations(datasetId)) {
    if (annotated.length < annotatedCount) {
      annotated.push(annotation.index);
      cases.annotate({
        datasetId,
        split: 'test',
        index: annotation.index,
        addTags: annotated.length % 3 === 0 ? ['background bias'] : [],
        removeTags: [],
        note: `Image ${annotation.index}: the runs look at the ${annotated.length % 2 === 0 ? 'woods behind it' : 'road'}, not the animal. <script>alert(1)</script> & "quotes"`,
      });
    } else cases.clear({ datasetId, split: 'test', index: annotation.index });
  }
  const figures = new FigureService({ runs, datasets, evaluations, explanations, maps: new MapStore(db), cases });
  return { db, ids, datasetId, cases, figures, datasets, annotated };
}
