/** Writing a run bundle (format: ./bundle-format.ts). */
import { createHash } from 'node:crypto';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { ConflictError } from '../errors';
import type { Db } from '../store/database';
import type { ExplanationImageRow } from '../store/explanations';
import { DatasetStore } from '../store/datasets';
import { RunStore } from '../store/runs';
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

interface CheckpointRow {
  kind: 'best' | 'last';
  epoch: number;
  topology: string;
  weight_specs: string;
  weights: Buffer;
  training_config: string | null;
  state: string | null;
  saved_at: string;
}

const parse = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));

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
    const runs = new RunStore(db);
    const datasets = new DatasetStore(db);
    const run = runs.get(runId);
    if (run.status === 'queued' || run.status === 'running')
      throw new ConflictError(`run ${runId} is ${run.status}; export it when it has finished or is cancelled`);
    const dataset = datasets.get(run.datasetId);
    if (dataset.contentHash !== run.datasetHash)
      throw new ConflictError(`dataset ${dataset.id} no longer has the content run ${runId} was trained on`);
    const entries = new Entries();
    const tree = exportRun(db, runs, runId, entries);
    const annotations = exportAnnotations(db, run.datasetHash, bundledKeys(tree));
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

function exportRun(db: Db, runs: RunStore, runId: number, entries: Entries): BundleRun {
  const run = runs.get(runId);
  const key = `run-${run.id}`;
  entries.json(runPath(key, 'epochs.json'), runs.epochs(run.id));
  const checkpoints = db
    .prepare<[number], CheckpointRow>('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY kind')
    .all(run.id);
  for (const c of checkpoints) {
    entries.json(runPath(key, `checkpoint-${c.kind}.json`), {
      epoch: c.epoch,
      topology: parse(c.topology),
      weightSpecs: parse(c.weight_specs),
      trainingConfig: parse(c.training_config),
      state: parse(c.state),
      savedAt: c.saved_at,
    });
    entries.binary(runPath(key, `checkpoint-${c.kind}.bin`), c.weights, 0);
  }
  const evaluation = exportEvaluation(db, run.id);
  if (evaluation) {
    entries.json(runPath(key, 'evaluation.json'), evaluation.entry);
    entries.binary(runPath(key, 'evaluation.bin'), evaluation.bin, 1);
  }
  const explanations = exportExplanations(db, run.id);
  explanations.forEach(({ entry, bin }, n) => {
    entries.json(runPath(key, `explanation-${n}.json`), entry);
    entries.binary(runPath(key, `explanation-${n}.bin`), bin, 1);
  });
  return {
    key,
    name: run.name,
    colour: run.colour,
    model: run.model,
    config: parse(db.prepare<[number], string>('SELECT config FROM runs WHERE id = ?').pluck().get(run.id) ?? null),
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
    members: runs.members(run.id).map((member) => exportRun(db, runs, member.id, entries)),
  };
}

interface PredictionDbRow {
  idx: number;
  label: number;
  predicted: number;
  confidence: number;
  entropy: number;
  mutual_information: number | null;
  variation_ratio: number | null;
  majority: number | null;
  probabilities: string;
  boxplots: string | null;
  samples: Buffer | null;
}

/** The run's current (newest) evaluation, with its predictions and stored samples. */
function exportEvaluation(db: Db, runId: number): { entry: EvaluationEntry; bin: Uint8Array } | null {
  const evaluation = db
    .prepare<[number], { id: number; samples: number; metrics: string; created_at: string }>(
      'SELECT id, samples, metrics, created_at FROM evaluations WHERE run_id = ? ORDER BY id DESC LIMIT 1',
    )
    .get(runId);
  if (!evaluation) return null;
  const pack = new BlobPack();
  const predictions = db
    .prepare<[number], PredictionDbRow>(
      `SELECT p.idx, p.label, p.predicted, p.confidence, p.entropy, p.mutual_information, p.variation_ratio,
              p.majority, p.probabilities, p.boxplots, s.samples
         FROM predictions p LEFT JOIN evaluation_samples s ON s.evaluation_id = p.evaluation_id AND s.idx = p.idx
        WHERE p.evaluation_id = ? ORDER BY p.idx`,
    )
    .all(evaluation.id)
    .map((p) => ({
      idx: p.idx,
      label: p.label,
      predicted: p.predicted,
      confidence: p.confidence,
      entropy: p.entropy,
      mutualInformation: p.mutual_information,
      variationRatio: p.variation_ratio,
      majority: p.majority,
      probabilities: parse(p.probabilities) as number[],
      boxplots: parse(p.boxplots),
      samples: pack.add(p.samples),
    }));
  return {
    entry: {
      samples: evaluation.samples,
      metrics: parse(evaluation.metrics),
      createdAt: evaluation.created_at,
      predictions,
    },
    bin: pack.bytes(),
  };
}

/** Every explanation of the run, oldest first (so the newest stays the current one on import). */
function exportExplanations(db: Db, runId: number): { entry: ExplanationEntry; bin: Uint8Array }[] {
  const images = db.prepare<[number], ExplanationImageRow>(
    `SELECT idx, label, predicted, probability, background, map, std, true_map, true_std
       FROM explanation_images WHERE explanation_id = ? ORDER BY idx`,
  );
  return db
    .prepare<
      [number],
      {
        id: number;
        method: 'gradcam' | 'gradcampp';
        layer: string;
        samples: number;
        summary: string;
        created_at: string;
      }
    >('SELECT id, method, layer, samples, summary, created_at FROM explanations WHERE run_id = ? ORDER BY id')
    .all(runId)
    .map((e) => {
      const pack = new BlobPack();
      const rows = images.all(e.id).map((image) => ({
        idx: image.idx,
        label: image.label,
        predicted: image.predicted,
        probability: image.probability,
        background: image.background,
        map: pack.add(image.map) ?? [0, 0],
        std: pack.add(image.std),
        trueMap: pack.add(image.true_map),
        trueStd: pack.add(image.true_std),
      }));
      return {
        entry: {
          method: e.method,
          layer: e.layer,
          samples: e.samples,
          summary: parse(e.summary),
          createdAt: e.created_at,
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
function exportAnnotations(db: Db, datasetHash: string, keys: ReadonlySet<string>): AnnotationEntry[] {
  const tags = db.prepare<[string, string, number], string>(
    'SELECT tag FROM annotation_tags WHERE dataset_hash = ? AND split = ? AND idx = ? ORDER BY tag',
  );
  return db
    .prepare<
      [string],
      {
        split: 'train' | 'test';
        idx: number;
        note: string;
        run_id: number | null;
        created_at: string;
        updated_at: string;
      }
    >(
      'SELECT split, idx, note, run_id, created_at, updated_at FROM annotations WHERE dataset_hash = ? ORDER BY split, idx',
    )
    .all(datasetHash)
    .map((a) => ({
      split: a.split,
      index: a.idx,
      tags: tags.pluck().all(datasetHash, a.split, a.idx),
      note: a.note,
      run: a.run_id !== null && keys.has(`run-${a.run_id}`) ? `run-${a.run_id}` : null,
      createdAt: a.created_at,
      updatedAt: a.updated_at,
    }));
}
