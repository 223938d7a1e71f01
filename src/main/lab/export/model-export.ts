/**
 * A run's best model as TensorFlow.js layers-format files: `model.json` (topology and weights
 * manifest) and `group1-shard1of1.bin` (the weights), loadable with stock `tf.loadLayersModel`;
 * plus README.md and, when the model uses Casebook's custom layers, `casebook-layers.mjs`
 * (./custom-layers.ts). A deep ensemble gets one folder per member.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { tf } from '../engine/backend';
import { ConflictError } from '../errors';
import type { Db } from '../store/database';
import { openStores } from '../store/index';
import type { Checkpoint } from '../store/runs';
import { writeFileAtomically } from './atomic';
import { LAYERS_FILE, LAYERS_MODULE, modelReadme } from './custom-layers';

export const WEIGHTS_FILE = 'group1-shard1of1.bin';
const CUSTOM_LAYERS = ['Sampling', 'McDropout'] as const;

interface WeightSpecs {
  model: tf.io.WeightsManifestEntry[];
  modelBytes: number;
}

/** model.json's content and the weights of a checkpoint (the optimizer's state left out). */
export function modelFiles(
  checkpoint: Checkpoint,
  metadata: NonNullable<tf.io.ModelJSON['userDefinedMetadata']>,
): { json: tf.io.ModelJSON; weights: Uint8Array } {
  const specs = checkpoint.weightSpecs as WeightSpecs;
  return {
    json: {
      format: 'layers-model',
      generatedBy: 'Casebook',
      convertedBy: null,
      modelTopology: checkpoint.topology as tf.io.ModelJSON['modelTopology'],
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs.model }],
      userDefinedMetadata: metadata,
    },
    weights: checkpoint.weights.subarray(0, specs.modelBytes),
  };
}

/** The custom layer class names a topology uses. */
export function customLayersOf(topology: unknown): string[] {
  const text = JSON.stringify(topology);
  return CUSTOM_LAYERS.filter((name) => text.includes(`"class_name":"${name}"`));
}

export interface ModelExport {
  dir: string;
  files: string[];
  /** Files of an earlier Casebook export into `dir` that this one replaced by nothing, removed. */
  removed: string[];
  members: number;
  customLayers: string[];
}

/** Writes the run's best model (every member's, for an ensemble) into `dir`. */
export function exportModel(db: Db, runId: number, dir: string): ModelExport {
  const { runs, datasets } = openStores(db);
  const run = runs.get(runId);
  const dataset = datasets.get(run.datasetId);
  const members = run.model === 'ensemble' ? runs.members(run.id) : [];
  const models =
    run.model === 'ensemble' ? members.map((m, i) => ({ run: m, folder: `member-${i + 1}` })) : [{ run, folder: '' }];
  if (models.length === 0) throw new ConflictError(`run ${run.id} is an ensemble without members`);
  const planned = models.map((m) => {
    const checkpoint = runs.checkpoint(m.run.id, 'best');
    if (!checkpoint) throw new ConflictError(`run ${m.run.id} has no best checkpoint (it has not finished an epoch)`);
    return { ...m, checkpoint };
  });
  const checkpoints = planned.map((p) => p.checkpoint);
  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    writeFileAtomically(join(dir, name), data);
    files.push(name);
  };
  const customLayers = [...new Set(checkpoints.flatMap((c) => customLayersOf(c.topology)))];
  for (const { run: r, folder, checkpoint } of planned) {
    const { json, weights } = modelFiles(checkpoint, {
      casebook: {
        runId: r.id,
        model: r.model,
        epoch: checkpoint.epoch,
        classes: dataset.classes,
        datasetHash: r.datasetHash,
      },
    });
    // the weights first: a model.json never points at a missing shard
    write(join(folder, WEIGHTS_FILE), weights);
    write(join(folder, 'model.json'), JSON.stringify(json));
  }
  if (customLayers.length > 0) write(LAYERS_FILE, LAYERS_MODULE);
  write(
    'README.md',
    modelReadme({
      runId: run.id,
      model: run.model,
      classes: dataset.classes,
      inputShape: dataset.imageShape,
      epoch: Math.max(...checkpoints.map((c) => c.epoch)),
      members: members.length,
      customLayers,
    }),
  );
  return { dir, files, removed: removeStale(dir, files), members: members.length, customLayers };
}

/** Whether `file` is a model.json that Casebook wrote. */
function casebookModel(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { generatedBy?: unknown }).generatedBy === 'Casebook';
  } catch {
    return false;
  }
}

/**
 * Removes what an earlier Casebook export left in `dir` and this one did not write — the custom
 * layers module of an earlier VNN or MC-dropout model, a single model's files where an ensemble is
 * written now (or members beyond the new count) — so the folder holds one model, not two. Only
 * files Casebook made (a model.json it generated, with its weights; its own layers module) go;
 * anything else in the folder stays.
 */
function removeStale(dir: string, written: readonly string[]): string[] {
  const keep = new Set(written);
  const removed: string[] = [];
  const drop = (name: string): void => {
    if (!existsSync(join(dir, name))) return;
    rmSync(join(dir, name));
    removed.push(name);
  };
  const layers = join(dir, LAYERS_FILE);
  if (
    !keep.has(LAYERS_FILE) &&
    existsSync(layers) &&
    readFileSync(layers, 'utf8').startsWith(LAYERS_MODULE.split('\n')[0] ?? '')
  ) {
    drop(LAYERS_FILE);
  }
  const members = readdirSync(dir).filter((name) => /^member-\d+$/.test(name));
  for (const folder of ['', ...members]) {
    const json = join(folder, 'model.json');
    if (keep.has(json) || !casebookModel(join(dir, json))) continue;
    drop(json); // first: a model.json never points at a missing shard
    drop(join(folder, WEIGHTS_FILE));
    if (folder !== '' && readdirSync(join(dir, folder)).length === 0) rmdirSync(join(dir, folder));
  }
  return removed;
}
