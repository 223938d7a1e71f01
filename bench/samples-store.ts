// What keeping the samples behind the boxplots costs (migration 006): a synthetic evaluation of
// `images` test images × `samples` samples × `classes` classes (default 3,000 × 1000 × 3, the
// seed's stochastic runs) stored through EvaluationStore on a database file, with and without its
// samples, then replaced by a second evaluation (which drops the first one's samples). Not a
// test: `node scripts/bench.mjs --only store` prints one `{"sampleStore": true, ...}` line.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarise } from '../src/main/lab/evaluation/report';
import { openDatabase, type Db } from '../src/main/lab/store/database';
import { DatasetStore } from '../src/main/lab/store/datasets';
import { EvaluationStore } from '../src/main/lab/store/evaluations';
import { RunStore } from '../src/main/lab/store/runs';
import { defaultRunConfig } from '../src/shared/contract';

export interface SampleStoreOptions {
  images?: number;
  samples?: number;
  classes?: number;
  report: (line: Record<string, unknown>) => void;
}

/** N × T × K probability vectors: each a normalised vector of uniforms (seeded LCG). */
function syntheticSamples(n: number, t: number, k: number): Float32Array {
  const out = new Float32Array(n * t * k);
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  for (let row = 0; row < n * t; row++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[row * k + c] = uniform() ** 3;
    for (let c = 0; c < k; c++) out[row * k + c] = (out[row * k + c] as number) / sum;
  }
  return out;
}

function fileBytes(db: Db, file: string): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(file).size;
}

export function benchSampleStore(options: SampleStoreOptions): void {
  const { images = 3000, samples = 1000, classes = 3 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'casebook-bench-'));
  const file = join(dir, 'study.db');
  try {
    const db = openDatabase(file);
    const classNames = Array.from({ length: classes }, (_, c) => `class ${c}`);
    const { dataset } = new DatasetStore(db).add({
      name: 'bench',
      kind: 'folder',
      source: 'memory',
      sourceSha256: null,
      content: {
        classes: classNames,
        shape: [1, 1, 1],
        train: { labels: new Uint8Array(0), pixels: new Uint8Array(0) },
        test: { labels: new Uint8Array(0), pixels: new Uint8Array(0) },
      },
    });
    const run = new RunStore(db).create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('vnn'),
    });
    const store = new EvaluationStore(db);
    const values = syntheticSamples(images, samples, classes);
    const labels = Array.from({ length: images }, (_, i) => i % classes);
    let started = performance.now();
    const { metrics, images: predictions } = summarise(
      { labels, samples: values, perImage: samples, classes: classNames },
      0,
    );
    const summariseSeconds = (performance.now() - started) / 1000;

    const empty = fileBytes(db, file);
    started = performance.now();
    store.add(run.id, metrics, predictions);
    const withoutSeconds = (performance.now() - started) / 1000;
    const predictionBytes = fileBytes(db, file) - empty;

    started = performance.now();
    const id = store.add(run.id, metrics, predictions, values);
    const withSeconds = (performance.now() - started) / 1000;
    const sampleBytes = fileBytes(db, file) - empty - 2 * predictionBytes;

    started = performance.now();
    for (let i = 0; i < images; i++) store.samples(id, i);
    const readMsPerImage = (performance.now() - started) / images;

    started = performance.now();
    store.add(run.id, metrics, predictions, values);
    const replaceSeconds = (performance.now() - started) / 1000;
    const afterReplace = fileBytes(db, file);
    db.close();
    options.report({
      sampleStore: true,
      images,
      samples,
      classes,
      summariseSeconds,
      addWithoutSamplesSeconds: withoutSeconds,
      addWithSamplesSeconds: withSeconds,
      extraSeconds: withSeconds - withoutSeconds,
      replaceSeconds,
      predictionMiB: predictionBytes / 2 ** 20,
      sampleMiB: sampleBytes / 2 ** 20,
      rawSampleMiB: (images * samples * classes * 2) / 2 ** 20,
      fileMiBAfterReplace: afterReplace / 2 ** 20,
      readMsPerImage,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
