// Run bundles (`casebook export-run` / `import-run`): how large the largest real runs' bundles are,
// and what a bundle bomb costs to refuse. Not a test: `node scripts/bench.mjs --only bundles`
// prints one `{"bundleSize": true, …}` line per run and one `{"bundleBomb": true, …}` line per bomb.
//
// Sizes: the full study's test set (3,000 images, 3 classes) and 100 annotations, with every part a
// run can carry at its largest, so the figures are upper bounds: checkpoints of the real parameter
// counts (best: the weights; last: weights and Adam's two moments, 3×; random bytes, which do not
// compress, like trained float32 weights), an evaluation with T = 1,000 stored samples (MC
// dropout, from the real summariser) and an MC Grad-CAM explanation with all four 13 × 13 maps per
// image (the CNN's Conv_last; the other models' maps are smaller). The ensemble is the largest the
// contract allows (50 CNNs), each member also evaluated.
//
// Bombs: a real bundle of a small run plus a 1,000 MiB entry of zeros (`unlisted`), and the same
// zeros under a name the manifest lists with its true, small size (`oversized`), imported into a
// database holding the dataset. Target: refused within seconds, peak RSS bounded, nothing stored.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { defaultRunConfig, type ModelFamily } from '../src/shared/contract';
import { summarise } from '../src/main/lab/evaluation/report';
import { exportRunBundle } from '../src/main/lab/export/bundle-export';
import { BUNDLE_LIMIT, importRunBundle } from '../src/main/lab/export/bundle-import';
import { openDatabase, type Db } from '../src/main/lab/store/database';
import { DatasetStore } from '../src/main/lab/store/datasets';
import { EvaluationStore } from '../src/main/lab/store/evaluations';
import { ExplanationStore } from '../src/main/lab/store/explanations';
import { RunStore } from '../src/main/lab/store/runs';
import { seededRandom } from '../src/main/lab/training/random';
import { emptyExplanation } from '../test/helpers/summaries';
import { benchStudy } from './cases';

export interface BundleSizeLine {
  bundleSize: true;
  run: string;
  /** The entries the manifest lists, inflated, and the manifest itself. */
  inflatedMB: number;
  compressedMB: number;
  manifestKB: number;
  /** BUNDLE_LIMIT, the most a bundle may list. */
  limitMB: number;
}

export interface BundleBombLine {
  bundleBomb: true;
  variant: 'unlisted' | 'oversized';
  compressedMB: number;
  /** What the bomb's zeros inflate to. */
  zerosMB: number;
  refusedMs: number;
  /** The highest RSS sampled (every 10 ms, and after) during the import, the benchmark's own memory included. */
  peakRssMb: number;
  baselineRssMb: number;
  /** Runs in the database afterwards (as many as before expected). */
  storedRuns: number;
  error: string | null;
}

export interface BundleBenchOptions {
  /** MiB of zeros in a bomb; default 1,000 (the issue's). */
  zerosMiB?: number;
  report: (line: BundleSizeLine | BundleBombLine) => void;
}

const MB = 1e6;
const round = (value: number, digits = 3): number => Number(value.toPrecision(digits));
const IMAGES = 3000;
const PARAMS: Record<Exclude<ModelFamily, 'ensemble'>, number> = { cnn: 331_331, vnn: 230_787, mcdropout: 167_363 };

/** A checkpoint of `params` float32 weights; with Adam's two moments when `optimizer`. */
function checkpoint(params: number, optimizer: boolean) {
  return {
    epoch: 12,
    topology: { class_name: 'Sequential', config: { layers: [] } },
    weightSpecs: { model: [], optimizer: [], modelBytes: params * 4 },
    weights: randomBytes(params * 4 * (optimizer ? 3 : 1)),
    trainingConfig: null,
    state: optimizer ? { epoch: 12, bestValLoss: 0.5, wait: 2 } : null,
  };
}

function evaluate(db: Db, runId: number, T: number, random: () => number): void {
  const K = 3;
  const labels = Array.from({ length: IMAGES }, (_, i) => i % K);
  const samples = new Float32Array(IMAGES * T * K);
  for (let row = 0; row < IMAGES * T; row++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += samples[row * K + k] = random() ** 3;
    for (let k = 0; k < K; k++) samples[row * K + k] = (samples[row * K + k] as number) / sum;
  }
  const { metrics, images } = summarise({ labels, samples, perImage: T, classes: ['deer', 'frog', 'truck'] }, 0);
  new EvaluationStore(db).add(runId, metrics, images, T > 1 ? samples : undefined);
}

function explain(db: Db, runId: number, random: () => number): void {
  const map = () => new Float32Array(169).map(() => random());
  new ExplanationStore(db).add(
    runId,
    emptyExplanation({ layer: 'Conv_last', images: IMAGES, mapShape: [13, 13], meanBackground: 0.2 }),
    Array.from({ length: IMAGES }, (_, index) => ({
      index,
      label: index % 3,
      predicted: index % 3,
      probability: random(),
      background: random(),
      map: map(),
      std: map(),
      trueMap: map(),
      trueStd: map(),
    })),
  );
}

function sizeLine(db: Db, runId: number, run: string): BundleSizeLine {
  const { bytes, manifest } = exportRunBundle(db, runId, 'bench');
  const listed = Object.values(manifest.files).reduce((sum, f) => sum + f.bytes, 0);
  const manifestBytes =
    unzipSync(bytes, { filter: (f) => f.name === 'manifest.json' })['manifest.json']?.byteLength ?? 0;
  return {
    bundleSize: true,
    run,
    inflatedMB: round((listed + manifestBytes) / MB),
    compressedMB: round(bytes.byteLength / MB),
    manifestKB: round(manifestBytes / 1000),
    limitMB: round(BUNDLE_LIMIT / MB),
  };
}

/** `entries` zipped as they are, then `name` holding `zerosMiB` MiB of zeros (deflated): a bundle bomb. */
export function zipWithZeros(entries: Record<string, Uint8Array>, name: string, zerosMiB: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    chunks.push(data);
  });
  for (const [entry, data] of Object.entries(entries)) {
    if (entry === name) continue;
    const file = new ZipPassThrough(entry);
    zip.add(file);
    file.push(data, true);
  }
  const big = new ZipDeflate(name, { level: 9 });
  zip.add(big);
  const zeros = new Uint8Array(1024 ** 2);
  for (let i = 0; i < zerosMiB; i++) big.push(zeros, i === zerosMiB - 1);
  zip.end();
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function bombLine(db: Db, bomb: Uint8Array, variant: BundleBombLine['variant'], zerosMiB: number): BundleBombLine {
  const runs = () => db.prepare('SELECT count(*) FROM runs').pluck().get() as number;
  const before = runs();
  global.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  // the import is synchronous: the sampler sees only its end; RSS after it shows what it kept
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const start = performance.now();
  let error: string | null = null;
  try {
    importRunBundle(db, bomb, `${variant}.casebook-run`);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const refusedMs = performance.now() - start;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  return {
    bundleBomb: true,
    variant,
    compressedMB: round(bomb.byteLength / MB),
    zerosMB: round((zerosMiB * 1024 ** 2) / MB),
    refusedMs: round(refusedMs),
    peakRssMb: round(peak / MB),
    baselineRssMb: round(baseline / MB),
    storedRuns: runs() - before,
    error,
  };
}

export function benchBundles(options: BundleBenchOptions): void {
  const dir = mkdtempSync(join(tmpdir(), 'casebook-bench-bundles-'));
  try {
    // the bombs first, while the process is small: peak RSS is the high-water mark of the process
    const zerosMiB = options.zerosMiB ?? 1000;
    const small = benchStudy(30, dir);
    const runs = new RunStore(small.db);
    const id = small.ids[0] ?? 0;
    runs.saveCheckpoint(id, 'best', checkpoint(1000, false));
    const entries = unzipSync(exportRunBundle(small.db, id, 'bench').bytes);
    // imported into the database it came from (as a new run), which holds its dataset
    const target = small.db;
    options.report(bombLine(target, zipWithZeros(entries, 'zeros.bin', zerosMiB), 'unlisted', zerosMiB));
    options.report(
      bombLine(target, zipWithZeros(entries, `runs/run-${id}/epochs.json`, zerosMiB), 'oversized', zerosMiB),
    );
    small.db.close();

    // the largest real runs
    const db = openDatabase(join(dir, 'sizes.db'));
    const random = seededRandom(5);
    const { dataset: full } = new DatasetStore(db).add({
      name: 'sizes',
      kind: 'cifar10',
      source: 'bench',
      sourceSha256: null,
      content: {
        classes: ['deer', 'frog', 'truck'],
        shape: [32, 32, 3],
        train: { labels: new Uint8Array(3), pixels: new Uint8Array(3 * 3072) },
        test: {
          labels: Uint8Array.from({ length: IMAGES }, (_, i) => i % 3),
          pixels: new Uint8Array(IMAGES * 3072).map(() => Math.floor(random() * 256)),
        },
      },
    });
    const store = new RunStore(db);
    const where = { datasetId: full.id, datasetHash: full.contentHash };
    for (const model of ['cnn', 'mcdropout'] as const) {
      const run = store.create({ ...where, config: defaultRunConfig(model) });
      store.saveCheckpoint(run.id, 'best', checkpoint(PARAMS[model], false));
      store.saveCheckpoint(run.id, 'last', checkpoint(PARAMS[model], true));
      evaluate(db, run.id, model === 'cnn' ? 1 : 1000, random);
      explain(db, run.id, random);
      store.setStatus(run.id, 'done');
      options.report(sizeLine(db, run.id, model === 'cnn' ? 'CNN' : 'MC dropout, T = 1,000'));
    }
    const ensemble = store.createEnsemble({ ...where, config: { ...defaultRunConfig('ensemble'), members: 50 } });
    for (const member of store.members(ensemble.id)) {
      store.saveCheckpoint(member.id, 'best', checkpoint(PARAMS.cnn, false));
      store.saveCheckpoint(member.id, 'last', checkpoint(PARAMS.cnn, true));
      evaluate(db, member.id, 1, random);
      store.setStatus(member.id, 'done');
    }
    evaluate(db, ensemble.id, 50, random);
    explain(db, ensemble.id, random);
    store.setStatus(ensemble.id, 'done');
    options.report(sizeLine(db, ensemble.id, 'deep ensemble of 50 CNNs, each evaluated'));
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
