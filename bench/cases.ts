// Case-query benchmark: a study database with `runs` evaluated runs (CNN, VNN, MC dropout in turn;
// 3 by default) over each of `images` test-set sizes (3,000 by default; random but plausible
// predictions, a Grad-CAM explanation each, 100 annotated images), then the time of a filtered,
// sorted page of 100 cases (and of the first, which computes the run set's rows), of the finder
// over the runs, and of one case across them. Targets (issue 18): with 6 runs × 10,000 images a
// page ≤ 20 ms and the finder ≤ 100 ms, and the page at 10,000 images at most 1.5× the page at
// 3,000. `node scripts/bench.mjs --only cases --runs 6 --images 3000,10000` prints one
// `{"cases": true, …}` line per size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRunConfig, type ModelFamily } from '../src/shared/contract';
import { FindCasesRequest, GetCaseRequest, ListCasesRequest } from '../src/shared/contract';
import { CaseService } from '../src/main/lab/cases/cases';
import type { ImagePrediction } from '../src/main/lab/evaluation/report';
import { openStores } from '../src/main/lab/store/index';
import { openDatabase, type Db } from '../src/main/lab/store/database';
import { DatasetStore } from '../src/main/lab/store/datasets';
import { EvaluationStore } from '../src/main/lab/store/evaluations';
import { ExplanationStore } from '../src/main/lab/store/explanations';
import { RunStore } from '../src/main/lab/store/runs';
import { seededRandom } from '../src/main/lab/training/random';
import { emptyExplanation, emptyMetrics } from '../test/helpers/summaries';

export interface CasesBenchLine {
  cases: true;
  runs: number;
  images: number;
  /** Median over pages of `wrong in any run`, sorted by mutual information, 100 a page. */
  msPerPage: number;
  /** The first page of the run set on its connection, which computes the run set's rows (see src/main/lab/cases/rows.ts). */
  firstPageMs: number;
  finderMs: number;
  caseMs: number;
}

const K = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function time(fn: () => void, repeats: number): number {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    fn();
    times.push(performance.now() - start);
    if (process.env.CASEBOOK_BENCH_CPU) console.error('cpu ms', process.cpuUsage(cpu).user / 1000);
  }
  return Math.round(median(times) * 100) / 100;
}

/** A study database of `runs` (default 3) evaluated, explained runs over `images` test images; the caller closes it. */
export function benchStudy(
  images: number,
  dir: string,
  runCount = 3,
): { db: Db; ids: number[]; datasetId: number; cases: CaseService } {
  const db = openDatabase(join(dir, 'study.db'));
  {
    const random = seededRandom(7);
    const labels = Uint8Array.from({ length: images }, (_, i) => i % K);
    const pixels = new Uint8Array(images * 32 * 32 * 3).map(() => Math.floor(random() * 256));
    const { dataset } = new DatasetStore(db).add({
      name: 'bench',
      kind: 'cifar10',
      source: 'bench',
      sourceSha256: null,
      content: {
        classes: ['deer', 'frog', 'truck'],
        shape: [32, 32, 3],
        train: { labels: labels.slice(0, 3), pixels: pixels.slice(0, 3 * 3072) },
        test: { labels, pixels },
      },
    });
    const runs = new RunStore(db);
    const evaluations = new EvaluationStore(db);
    const explanations = new ExplanationStore(db);
    const families: ModelFamily[] = ['cnn', 'vnn', 'mcdropout'];
    const models = Array.from({ length: runCount }, (_, r) => families[r % families.length] ?? 'cnn');
    const ids = models.map((model, r) => {
      // each run its own seed: runs of one family are a seed group (6 runs: 3 groups of 2)
      const run = runs.create({
        datasetId: dataset.id,
        datasetHash: dataset.contentHash,
        config: { ...defaultRunConfig(model), seed: 42 + r },
      });
      runs.setStatus(run.id, 'done');
      const stochastic = model !== 'cnn';
      const predictions: ImagePrediction[] = Array.from({ length: images }, (_, index) => {
        const label = labels[index] ?? 0;
        const raw = [random(), random(), random()];
        raw[label] = (raw[label] ?? 0) + 1.5 * random();
        const sum = raw.reduce((a, b) => a + b, 0);
        const probabilities = raw.map((v) => v / sum);
        const predicted = probabilities.indexOf(Math.max(...probabilities));
        return {
          index,
          label,
          predicted,
          confidence: probabilities[predicted] ?? 0,
          probabilities,
          entropy: -probabilities.reduce((h, p) => h + p * Math.log(p), 0),
          mutualInformation: stochastic ? random() * 0.3 : null,
          variationRatio: stochastic ? random() * 0.5 : null,
          majority: stochastic ? (random() < 0.05 ? (predicted + 1) % K : predicted) : null,
          boxplots: stochastic
            ? probabilities.map((p) => ({
                stats: [p - 0.2, p - 0.1, p, p + 0.1, p + 0.2],
                n: 1000,
                conf: [p, p],
                out: [],
              }))
            : null,
        };
      });
      evaluations.add(run.id, emptyMetrics({ images, samples: stochastic ? 1000 : 1 }), predictions);
      explanations.add(
        run.id,
        emptyExplanation({ layer: 'conv', images, mapShape: [13, 13], meanBackground: 0.2 }),
        predictions.map((p) => ({
          index: p.index,
          label: p.label,
          predicted: p.predicted,
          probability: p.confidence,
          background: random() * 0.7,
          map: new Float32Array(169).map(() => random()),
          std: null,
          trueMap: null,
          trueStd: null,
        })),
      );
      return run.id;
    });
    const cases = new CaseService(openStores(db));
    // 100 annotated images spread over the test set (fewer in a smaller study)
    for (let i = 0; i < 100 && i * 29 < images; i++)
      cases.annotate({
        datasetId: dataset.id,
        split: 'test',
        index: i * 29,
        addTags: ['interesting'],
        removeTags: [],
        note: `note ${i}`,
      });

    return { db, ids, datasetId: dataset.id, cases };
  }
}

export function benchCases(options: {
  images?: readonly number[];
  runs?: number;
  report: (line: CasesBenchLine) => void;
}): void {
  for (const images of options.images ?? [3000]) benchCasesAt(images, options.runs ?? 3, options.report);
}

function benchCasesAt(images: number, runCount: number, report: (line: CasesBenchLine) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'casebook-bench-cases-'));
  const { db, ids, datasetId, cases } = benchStudy(images, dir, runCount);
  try {
    let offset = 0;
    const page = () => {
      const result = cases.list(
        ListCasesRequest.parse({ runs: ids, filter: { outcome: 'wrong' }, sort: 'mi', offset, limit: 100 }),
      );
      if (result.items.length === 0) offset = 0;
      else offset += 100;
    };
    const firstPageMs = time(page, 1);
    const msPerPage = time(page, 20);
    const find = () => cases.find(FindCasesRequest.parse({ runs: ids }));
    find();
    const finderMs = time(find, 7);
    const one = () => cases.get(GetCaseRequest.parse({ datasetId, index: 17, runs: ids }));
    one();
    const caseMs = time(one, 20);
    report({ cases: true, runs: ids.length, images, msPerPage, firstPageMs, finderMs, caseMs });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
