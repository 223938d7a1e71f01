/** Writing a run bundle (format: ./bundle-format.ts). */
import { createHash } from 'node:crypto';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { ConflictError } from '../errors';
import type { Db } from '../store/database';
import { openStores, type Stores } from '../store/index';
import { BlobPack } from './blobs';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  runPath,
  type AnnotationEntry,
  type BundleRun,
  type EvaluationEntry,
  type ExplanationEntry,
  type Manifest,
} from './bundle-format';

/** Collects the bundle's entries: JSON compressed, binaries stored with light compression. */
class Entries {
  readonly files: Zippable = {};
  readonly checksums: Manifest['files'] = {};

  json(name: string, value: unknown): void {
    this.add(name, strToU8(JSON.stringify(value)), 6);
  }

  binary(name: string, bytes: Uint8Array, level: 0 | 1): void {
    this.add(name, bytes, level);
  }

  private add(name: string, bytes: Uint8Array, level: 0 | 1 | 6): void {
    this.files[name] = [bytes, { level }];
    this.checksums[name] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
}

/**
 * The bundle of a run (an ensemble with its members) as zip bytes, read in one read transaction
 * so a job writing meanwhile cannot tear it. A run still queued or training is refused.
 */
export function exportRunBundle(
  db: Db,
  runId: number,
  casebookVersion: string,
): { bytes: Uint8Array; manifest: Manifest } {
  return db.transaction(() => {
    const stores = openStores(db);
    const { runs, datasets } = stores;
    const run = runs.get(runId);
    if (run.status === 'queued' || run.status === 'running')
      throw new ConflictError(`run ${runId} is ${run.status}; export it when it has finished or is cancelled`);
    const dataset = datasets.get(run.datasetId);
    if (dataset.contentHash !== run.datasetHash)
      throw new ConflictError(`dataset ${dataset.id} no longer has the content run ${runId} was trained on`);
    const entries = new Entries();
    const tree = exportRun(stores, runId, entries);
    const annotations = exportAnnotations(stores, run.datasetHash, bundledKeys(tree));
    entries.json('annotations.json', annotations);
    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      casebookVersion,
      exportedAt: new Date().toISOString(),
      dataset: {
        contentHash: dataset.contentHash,
        name: dataset.name,
        classes: dataset.classes,
        shape: dataset.imageShape,
        counts: dataset.counts,
      },
      run: tree,
      annotations: annotations.length,
      files: entries.checksums,
    };
    const files: Zippable = {
      'manifest.json': [strToU8(JSON.stringify(manifest, null, 2)), { level: 6 }],
      ...entries.files,
    };
    return { bytes: zipSync(files), manifest };
  })();
}

function exportRun(stores: Stores, runId: number, entries: Entries): BundleRun {
  const { runs } = stores;
  const run = runs.get(runId);
  const key = `run-${run.id}`;
  entries.json(runPath(key, 'epochs.json'), runs.epochs(run.id));
  const checkpoints = runs.checkpoints(run.id);
  for (const c of checkpoints) {
    entries.json(runPath(key, `checkpoint-${c.kind}.json`), {
      epoch: c.epoch,
      topology: c.topology,
      weightSpecs: c.weightSpecs,
      trainingConfig: c.trainingConfig,
      state: c.state,
      savedAt: c.savedAt,
    });
    entries.binary(runPath(key, `checkpoint-${c.kind}.bin`), c.weights, 0);
  }
  const evaluation = exportEvaluation(stores, run.id);
  if (evaluation) {
    entries.json(runPath(key, 'evaluation.json'), evaluation.entry);
    entries.binary(runPath(key, 'evaluation.bin'), evaluation.bin, 1);
  }
  const explanations = exportExplanations(stores, run.id);
  const shown = stores.explanations.picked(run.id)
    ? explanations.findIndex((e) => e.id === stores.explanations.shown(run.id)?.id)
    : -1;
  explanations.forEach(({ entry, bin }, n) => {
    entries.json(runPath(key, `explanation-${n}.json`), entry);
    entries.binary(runPath(key, `explanation-${n}.bin`), bin, 1);
  });
  return {
    key,
    name: run.name,
    colour: run.colour,
    model: run.model,
    config: runs.storedConfig(run.id),
    status: run.status,
    error: run.error,
    backend: run.backend,
    params: run.params,
    epochsDone: run.epochsDone,
    bestEpoch: run.bestEpoch,
    bestValLoss: run.bestValLoss,
    trainSeconds: run.trainSeconds,
    imagesPerSecond: run.imagesPerSecond,
    testLoss: run.testLoss,
    testAccuracy: run.testAccuracy,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    checkpoints: checkpoints.map((c) => c.kind),
    evaluation: evaluation !== null,
    explanations: explanations.length,
    ...(shown >= 0 ? { shownExplanation: shown } : {}),
    members: runs.members(run.id).map((member) => exportRun(stores, member.id, entries)),
  };
}

/** The run's current evaluation, with its predictions and stored samples. */
function exportEvaluation(stores: Stores, runId: number): { entry: EvaluationEntry; bin: Uint8Array } | null {
  const current = stores.evaluations.current(runId);
  if (!current) return null;
  const evaluation = stores.evaluations.stored(current.id);
  const pack = new BlobPack();
  const predictions = evaluation.predictions.map(({ samples, ...p }) => ({ ...p, samples: pack.add(samples) }));
  return {
    entry: {
      samples: evaluation.samples,
      metrics: evaluation.metrics,
      createdAt: evaluation.createdAt,
      predictions,
    },
    bin: pack.bytes(),
  };
}

/** Every explanation of the run, oldest first (so the newest stays the current one on import). */
function exportExplanations(stores: Stores, runId: number): { id: number; entry: ExplanationEntry; bin: Uint8Array }[] {
  return stores.explanations.stored(runId).map((e) => {
    const pack = new BlobPack();
    const rows = stores.explanations.storedImages(e.id).map((image) => ({
      idx: image.idx,
      label: image.label,
      predicted: image.predicted,
      probability: image.probability,
      background: image.background,
      map: pack.add(image.map) ?? [0, 0],
      std: pack.add(image.std),
      trueMap: pack.add(image.trueMap),
      trueStd: pack.add(image.trueStd),
    }));
    return {
      id: e.id,
      entry: {
        method: e.method,
        layer: e.layer,
        samples: e.samples,
        summary: e.summary,
        createdAt: e.createdAt,
        images: rows,
      },
      bin: pack.bytes(),
    };
  });
}

function bundledKeys(run: BundleRun): Set<string> {
  return new Set([run.key, ...run.members.flatMap((member) => [...bundledKeys(member)])]);
}

/**
 * Every annotation of the dataset's images; a note's run is named by its bundle key when the
 * bundle holds that run, else dropped (null): the other database has no such run.
 */
function exportAnnotations(stores: Stores, datasetHash: string, keys: ReadonlySet<string>): AnnotationEntry[] {
  return stores.annotations
    .list(datasetHash)
    .sort((a, b) => (a.split === b.split ? a.index - b.index : a.split < b.split ? -1 : 1))
    .map((a) => ({
      split: a.split,
      index: a.index,
      tags: a.tags,
      note: a.note,
      run: a.runId !== null && keys.has(`run-${a.runId}`) ? `run-${a.runId}` : null,
      createdAt: a.createdAt ?? '',
      updatedAt: a.updatedAt ?? '',
    }));
}
