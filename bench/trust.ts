// Trust benchmark (issue 18): the compare of 6 runs × 3,000 test images (k classes: 3 as in the study, 10 as in CIFAR-10), every metric
// with its bootstrap interval (B = 2,000) and every difference to the baseline with its paired
// interval and test, through the product's door (`compareRuns`: predictions read from a study
// database, then the statistics). Target ≤ 1 s. `npm run bench -- --json --only trust` prints
// `{"trust": true, runs, images, bootstrap, ms, statsMs}` (ms: the whole request, median of 3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRunConfig } from '../src/shared/contract';
import { compareRuns } from '../src/main/lab/evaluation/compare-runs';
import type { ImagePrediction } from '../src/main/lab/evaluation/report';
import { compareRunStats, prepareRun, type StatRun } from '../src/main/lab/evaluation/stats';
import { openDatabase, type Db } from '../src/main/lab/store/database';
import { DatasetStore } from '../src/main/lab/store/datasets';
import { EvaluationStore } from '../src/main/lab/store/evaluations';
import { RunStore } from '../src/main/lab/store/runs';
import { seededRandom } from '../src/main/lab/training/random';
import { emptyMetrics } from '../test/helpers/summaries';

export interface TrustBenchLine {
  trust: true;
  runs: number;
  images: number;
  classes: number;
  bootstrap: number;
  /** The whole request: reading the predictions, preparing, bootstrapping, testing. */
  ms: number;
  /** The statistics alone (predictions already in memory). */
  statsMs: number;
  /** CPU time of the whole request (user + system): the wall time less what a busy machine takes away. */
  cpuMs: number;
}

/** Plausible predictions of `runs` models on `n` images of `k` classes, each about 70–85 % right. */
export function simulatedPredictions(
  runs: number,
  n: number,
  k: number,
  seed = 7,
): { labels: number[]; probs: Float64Array[] } {
  const random = seededRandom(seed);
  const labels = Array.from({ length: n }, (_, i) => i % k);
  const probs = Array.from({ length: runs }, (_, r) => {
    const p = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const v = Math.exp(2 * random() + (c === labels[i] ? 2.2 + 0.1 * r : 0));
        p[i * k + c] = v;
        sum += v;
      }
      for (let c = 0; c < k; c++) p[i * k + c] = (p[i * k + c] as number) / sum;
    }
    return p;
  });
  return { labels, probs };
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

/**
 * A study database holding `runs` evaluated CNNs (simulatedPredictions) on one dataset of `images`
 * test images of `classes` classes; returns the runs' ids and the predictions.
 */
export function writeTrustStudy(
  db: Db,
  options: { runs: number; images: number; classes: number },
): { ids: number[]; labels: number[]; probs: Float64Array[] } {
  const { runs, images: n, classes: k } = options;
  const { labels, probs } = simulatedPredictions(runs, n, k);
  const classes = Array.from({ length: k }, (_, c) => `class${c}`);
  const { dataset } = new DatasetStore(db).add({
    name: 'trust',
    kind: 'cifar10',
    source: 'bench',
    sourceSha256: null,
    content: {
      classes,
      shape: [32, 32, 3],
      train: { labels: Uint8Array.from([0, 1]), pixels: new Uint8Array(2 * 3072) },
      test: { labels: Uint8Array.from(labels), pixels: new Uint8Array(n * 3072) },
    },
  });
  const store = new RunStore(db);
  const evaluations = new EvaluationStore(db);
  const ids = probs.map((p) => {
    const run = store.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('cnn'),
    });
    store.setStatus(run.id, 'done');
    const images: ImagePrediction[] = labels.map((label, i) => {
      const row = Array.from(p.subarray(i * k, (i + 1) * k));
      const predicted = row.indexOf(Math.max(...row));
      return {
        index: i,
        label,
        predicted,
        confidence: row[predicted] as number,
        probabilities: row,
        entropy: 0,
        mutualInformation: null,
        variationRatio: null,
        majority: null,
        boxplots: null,
      };
    });
    evaluations.add(
      run.id,
      {
        ...emptyMetrics({ images: n, samples: 1 }),
        perClass: classes.map((name) => ({ name, precision: null, recall: null, support: 0 })),
      },
      images,
    );
    return run.id;
  });
  return { ids, labels, probs };
}

export function benchTrust(options: {
  runs?: number;
  images?: number;
  classes?: number;
  bootstrap?: number;
  report: (line: TrustBenchLine) => void;
}): void {
  const runs = options.runs ?? 6;
  const n = options.images ?? 3000;
  const k = options.classes ?? 10;
  const B = options.bootstrap ?? 2000;
  const dir = mkdtempSync(join(tmpdir(), 'casebook-trust-'));
  const db = openDatabase(join(dir, 'study.db'));
  try {
    const { ids, labels, probs } = writeTrustStudy(db, { runs, images: n, classes: k });
    const store = new RunStore(db);
    const evaluations = new EvaluationStore(db);
    const sources = { runs: store, evaluations, datasets: new DatasetStore(db) };
    const times: number[] = [];
    const cpuTimes: number[] = [];
    for (let r = 0; r < 3; r++) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      compareRuns(sources, { runIds: ids, bootstrap: B, seed: r });
      times.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      cpuTimes.push((used.user + used.system) / 1000);
    }
    const statRuns: StatRun[] = probs.map((p, r) => {
      const predicted = labels.map((_, i) => {
        const row = Array.from(p.subarray(i * k, (i + 1) * k));
        return row.indexOf(Math.max(...row));
      });
      return {
        runId: r + 1,
        label: `run ${r + 1}`,
        testSet: 'bench',
        testSetDescription: 'bench',
        prepared: prepareRun({
          labels,
          predicted,
          confidence: predicted.map((c, i) => p[i * k + c] as number),
          probabilities: p,
          classes: k,
        }),
      };
    });
    const statsTimes: number[] = [];
    for (let r = 0; r < 3; r++) {
      const started = performance.now();
      compareRunStats(statRuns, { resamples: B, seed: r });
      statsTimes.push(performance.now() - started);
    }
    options.report({
      trust: true,
      runs,
      images: n,
      classes: k,
      bootstrap: B,
      ms: Math.round(median(times)),
      statsMs: Math.round(median(statsTimes)),
      cpuMs: Math.round(median(cpuTimes)),
    });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
