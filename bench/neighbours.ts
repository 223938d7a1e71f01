// Nearest-training-images benchmark (issue 20 targets): the features of 18,000 images (15,000
// training + 3,000 test, the study's CIFAR-10 subset) per run ≤ 10 s, and the neighbours of one
// case across 3 runs ≤ 50 ms. `npm run bench -- --json --only neighbours` prints
//   {"neighbours": true, "part": "features", model, backend, layer, dim, images, seconds, imagesPerSecond}
//     per model (seeded untrained models: the work does not depend on the weights), the forward
//     passes of the features job;
//   {"neighbours": true, "part": "labelCheck", model, backend, images, seconds}: the job's other
//     step, every training image's 8 nearest training images (matrix products in chunks);
//   {"neighbours": true, "part": "query", runs, train, test, dim, coldMs, warmMs, cpuMs}: one test
//     image's 8 nearest training images in each of 3 runs through the door (`getNeighbours`
//     via Lab.dispatch, run by run, as the case view asks), on a study database holding 3 runs'
//     stored float16 features: coldMs the first case (features read, decoded and normalised),
//     warmMs the median over 20 further cases (features kept in memory).
// `--images N` scales the 18,000 (train 5/6, test 1/6).
import { storesOf } from '../test/helpers/lab';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, initEngine, tf, type BackendName } from '../src/main/lab/engine/backend';
import { extractFeatures, featureModel } from '../src/main/lab/features/extract';
import { labelChecks, unitRows } from '../src/main/lab/features/knn';
import { inProcessLauncher } from '../src/main/lab/jobs/manager';
import { Lab } from '../src/main/lab/lab';
import { buildCnn } from '../src/main/lab/models/cnn';
import { buildMcDropout } from '../src/main/lab/models/mcdropout';
import { buildVnn } from '../src/main/lab/models/vnn';
import { defaultRunConfig } from '../src/shared/contract';
import { ImageSet } from '../src/main/lab/training/data';
import { seededRandom } from '../src/main/lab/training/random';
import { emptyMetrics } from '../test/helpers/summaries';

export interface NeighboursBenchLine {
  neighbours: true;
  part: 'features' | 'labelCheck' | 'query';
  [key: string]: unknown;
}

const MODELS: Record<string, () => tf.LayersModel> = {
  cnn: () => buildCnn({ seed: 1 }),
  vnn: () => buildVnn({ seed: 1 }),
  mcdropout: () => buildMcDropout({ seed: 1, trainingSize: 12_000 }),
};

const round = (value: number, digits = 3): number => Number(value.toPrecision(digits));
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

function randomImages(n: number, seed: number): ImageSet {
  const random = seededRandom(seed);
  const pixels = new Uint8Array(n * 3072);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(random() * 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 3);
  return new ImageSet(pixels, labels, [32, 32, 3], 3);
}

export async function benchNeighbours(options: {
  models?: string[];
  backends?: BackendName[];
  images?: number;
  report: (line: NeighboursBenchLine) => void;
}): Promise<void> {
  const total = options.images ?? 18_000;
  const trainSize = Math.round((total * 5) / 6);
  const testSize = total - trainSize;
  const images = randomImages(total, 1);
  for (const backend of options.backends ?? (['wasm'] as BackendName[])) {
    if (!BACKENDS.includes(backend)) continue;
    let engine: BackendName;
    try {
      engine = (await initEngine({ prefer: backend })).backend;
    } catch (error) {
      options.report({ neighbours: true, part: 'features', backend, error: String(error) });
      continue;
    }
    if (engine !== backend) continue;
    for (const name of options.models ?? Object.keys(MODELS)) {
      const build = MODELS[name];
      if (!build) continue;
      const model = build();
      try {
        const { layer, dim } = featureModel(model);
        await extractFeatures([model], images.pick(images.range(0, 500))); // warm-up
        const started = performance.now();
        const cpu = process.cpuUsage();
        const features = await extractFeatures([model], images);
        const seconds = (performance.now() - started) / 1000;
        const used = process.cpuUsage(cpu);
        options.report({
          neighbours: true,
          part: 'features',
          model: name,
          backend,
          layer,
          dim,
          images: total,
          seconds: round(seconds),
          cpuSeconds: round((used.user + used.system) / 1e6),
          imagesPerSecond: Math.round(total / seconds),
        });
        const train = unitRows(features.values.subarray(0, trainSize * dim), dim);
        const checkStarted = performance.now();
        const checkCpu = process.cpuUsage();
        await labelChecks(train, dim, images.labels.subarray(0, trainSize), { k: 8 });
        const checkUsed = process.cpuUsage(checkCpu);
        options.report({
          neighbours: true,
          part: 'labelCheck',
          model: name,
          backend,
          images: trainSize,
          seconds: round((performance.now() - checkStarted) / 1000),
          cpuSeconds: round((checkUsed.user + checkUsed.system) / 1e6),
        });
      } finally {
        model.dispose();
      }
    }
  }
  await benchQuery({ trainSize, testSize, report: options.report });
}

/** One case's neighbours across 3 runs through the door, on stored features (random, 128 values). */
async function benchQuery(options: {
  trainSize: number;
  testSize: number;
  report: (line: NeighboursBenchLine) => void;
}): Promise<void> {
  const { trainSize, testSize } = options;
  const dim = 128;
  const runs = 3;
  const dir = mkdtempSync(join(tmpdir(), 'casebook-neighbours-'));
  const lab = new Lab({
    databasePath: join(dir, 'study.db'),
    mode: 'browser',
    version: 'bench',
    launch: inProcessLauncher,
    emit: () => undefined,
  });
  const stores = storesOf(lab);
  try {
    const { dataset } = stores.datasets.add({
      name: 'neighbours',
      kind: 'cifar10',
      source: 'bench',
      sourceSha256: null,
      content: {
        classes: ['deer', 'frog', 'truck'],
        shape: [32, 32, 3],
        // the pixels do not matter here
        train: {
          labels: Uint8Array.from({ length: trainSize }, (_, i) => i % 3),
          pixels: new Uint8Array(trainSize * 3072),
        },
        test: {
          labels: Uint8Array.from({ length: testSize }, (_, i) => i % 3),
          pixels: new Uint8Array(testSize * 3072),
        },
      },
    });
    const random = seededRandom(5);
    const rows = (n: number) => Float32Array.from({ length: n * dim }, () => Math.max(0, random() * 2 - 0.5));
    const ids = Array.from({ length: runs }, () => {
      const run = stores.runs.create({
        datasetId: dataset.id,
        datasetHash: dataset.contentHash,
        config: defaultRunConfig('cnn'),
      });
      stores.runs.setStatus(run.id, 'done');
      // an evaluation, as a real run has: the case's prediction is read from it
      stores.evaluations.add(
        run.id,
        {
          ...emptyMetrics({ images: testSize, samples: 1 }),
          perClass: ['deer', 'frog', 'truck'].map((name) => ({ name, precision: null, recall: null, support: 0 })),
        },
        Array.from({ length: testSize }, (_, i) => ({
          index: i,
          label: i % 3,
          predicted: (i * 7) % 3,
          confidence: 0.8,
          probabilities: [0.8, 0.1, 0.1],
          entropy: 0.6,
          mutualInformation: null,
          variationRatio: null,
          majority: null,
          boxplots: null,
        })),
      );
      stores.features.putAll(run.id, [
        { split: 'train', dim, values: rows(trainSize), layer: 'dense_2' },
        { split: 'test', dim, values: rows(testSize), layer: 'dense_2' },
      ]);
      return run.id;
    });
    const oneCase = async (index: number): Promise<number> => {
      const started = performance.now();
      for (const runId of ids) {
        const result = await lab.dispatch('getNeighbours', { runId, split: 'test', index, k: 8 });
        if (!result.ok) throw new Error(result.error.message);
      }
      return performance.now() - started;
    };
    const cpu = process.cpuUsage();
    const coldMs = await oneCase(0);
    const warm: number[] = [];
    for (let i = 1; i <= 20; i++) warm.push(await oneCase((i * 131) % testSize));
    const used = process.cpuUsage(cpu);
    options.report({
      neighbours: true,
      part: 'query',
      runs,
      train: trainSize,
      test: testSize,
      dim,
      coldMs: round(coldMs),
      warmMs: round(median(warm)),
      cpuMsPerCase: round((used.user + used.system) / 1000 / 21),
    });
  } finally {
    lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
