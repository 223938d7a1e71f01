/**
 * Reading a run bundle into a study database that holds the same dataset content. Everything is
 * checked before anything is written (format, version, checksums, every entry's schema, the
 * dataset, the labels), then written in one transaction with new run ids.
 */
import { createHash } from 'node:crypto';
import { strFromU8 } from 'fflate';
import type { z } from 'zod';
import {
  defaultRunName,
  ExplanationSummary,
  MODEL_LABELS,
  RunConfig,
  RunMetrics,
  describeZodError,
} from '../../../shared/contract';
import { BadRequestError, NotFoundError } from '../errors';
import type { Db } from '../store/database';
import { openStores, type Stores } from '../store/index';
import { blobAt } from './blobs';
import { inflateEntries, ZipEntryError, zipEntryNames } from './bundle-unzip';
import {
  Annotations,
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  CheckpointEntry,
  Epochs,
  EvaluationEntry,
  ExplanationEntry,
  Manifest,
  runPath,
  type BundleRun,
} from './bundle-format';

/**
 * The most a bundle may list (and so inflate to) in all: the largest real run with a margin
 * (docs/decisions.md, "Reliability, second round"; measured by `npm run bench -- --only bundles`).
 */
export const BUNDLE_LIMIT = 512 * 1024 ** 2;
/** The most manifest.json may inflate to (a 50-member ensemble's is ≈ 0.1 MB). */
export const MANIFEST_LIMIT = 4 * 1024 ** 2;

export interface RunImport {
  /** The new id of the bundle's run. */
  runId: number;
  /** Bundle key (`run-<old id>`) → new run id, for the run and its members. */
  runIds: Record<string, number>;
  datasetId: number;
  annotations: {
    /** Images that had no annotation here. */
    added: number;
    /** Images whose annotation here gained tags (or a note where it had none). */
    merged: number;
    /** Images where the note here was kept and the bundle's different note was not imported. */
    notesKept: number;
  };
}

/** A bundle read and checked, ready to write. */
interface Checked {
  manifest: Manifest;
  /** The entries the manifest lists, inflated and checked. */
  files: ReadonlyMap<string, Uint8Array>;
  label: string;
}

/** Imports the bundle `bytes` (read from `label`, for messages); nothing is written on any error. */
export function importRunBundle(db: Db, bytes: Uint8Array, label: string): RunImport {
  const checked = readBundle(bytes, label);
  const { manifest } = checked;
  const stores = openStores(db);
  const dataset = stores.datasets.byHash(manifest.dataset.contentHash);
  if (!dataset)
    throw new NotFoundError(
      `${label}: this database has no dataset with the run's images; import the dataset with content hash ` +
        `${manifest.dataset.contentHash} ("${manifest.dataset.name}": ${manifest.dataset.classes.join(', ')}) first`,
    );
  const labels = stores.datasets.labelsByIndex(dataset.id, 'test');
  const plan = planRun(checked, manifest.run, labels);
  const annotations = entry(checked, 'annotations.json', Annotations);
  for (const a of annotations) {
    if (a.run !== null && !plan.keys.has(a.run))
      throw new BadRequestError(`${label}: annotations.json names ${a.run}, which the bundle does not hold`);
    if (!stores.datasets.hasImage(dataset.id, a.split, a.index))
      throw new BadRequestError(`${label}: annotations.json: the dataset has no image ${a.split}/${a.index}`);
  }
  return db
    .transaction((): RunImport => {
      const runIds: Record<string, number> = {};
      const runId = writeRun(
        stores,
        plan,
        { datasetId: dataset.id, hash: manifest.dataset.contentHash, parentId: null },
        runIds,
      );
      return {
        runId,
        runIds,
        datasetId: dataset.id,
        annotations: mergeAnnotations(stores, manifest.dataset.contentHash, annotations, runIds),
      };
    })
    .immediate();
}

/**
 * Reads the manifest, then inflates only the entries it lists, each no further than its listed
 * size and all within BUNDLE_LIMIT, and checks every checksum. Nothing else is inflated.
 */
function readBundle(bytes: Uint8Array, label: string): Checked {
  const unzip = (limits: ReadonlyMap<string, number>): Map<string, Uint8Array> => {
    try {
      return inflateEntries(bytes, limits);
    } catch (error) {
      if (!(error instanceof ZipEntryError)) throw error;
      if (error.problem === 'corrupt')
        throw new BadRequestError(`${label} is not a readable Casebook run bundle: ${error.message}`);
      if (error.problem === 'missing')
        throw new BadRequestError(`${label}: ${error.message} (the bundle is incomplete)`);
      throw new BadRequestError(`${label}: ${error.message} (the bundle is damaged)`);
    }
  };
  let names: Set<string>;
  try {
    names = zipEntryNames(bytes);
  } catch (error) {
    throw new BadRequestError(`${label} is not a readable Casebook run bundle: ${(error as Error).message}`);
  }
  if (!names.has('manifest.json'))
    throw new BadRequestError(`${label} is not a Casebook run bundle: it has no manifest.json`);
  const raw = unzip(new Map([['manifest.json', MANIFEST_LIMIT]])).get('manifest.json') ?? new Uint8Array();
  const json = parseJson(raw, `${label}: manifest.json`);
  const head = json as { format?: unknown; version?: unknown } | null;
  if (head?.format !== BUNDLE_FORMAT)
    throw new BadRequestError(
      `${label}: unknown bundle format ${JSON.stringify(head?.format)}; Casebook reads "${BUNDLE_FORMAT}"`,
    );
  if (head.version !== BUNDLE_VERSION)
    throw new BadRequestError(
      `${label}: unknown ${BUNDLE_FORMAT} version ${JSON.stringify(head.version)}; this Casebook reads version ${BUNDLE_VERSION}` +
        (typeof head.version === 'number' && head.version > BUNDLE_VERSION ? ' (update Casebook)' : ''),
    );
  const manifest = Manifest.safeParse(json);
  if (!manifest.success) throw new BadRequestError(`${label}: manifest.json: ${describeZodError(manifest.error)}`);
  const listed = new Map(Object.entries(manifest.data.files).map(([name, file]) => [name, file.bytes]));
  listed.delete('manifest.json');
  const total = [...listed.values()].reduce((sum, n) => sum + n, 0);
  if (total > BUNDLE_LIMIT)
    throw new BadRequestError(
      `${label}: manifest.json lists ${total} bytes of entries, more than a run bundle may hold (${BUNDLE_LIMIT} bytes)`,
    );
  for (const name of listed.keys())
    if (!names.has(name)) throw new BadRequestError(`${label}: ${name} is missing (the bundle is incomplete)`);
  for (const name of names)
    if (name !== 'manifest.json' && !listed.has(name))
      throw new BadRequestError(
        `${label}: the zip holds ${name}, which manifest.json does not list (not a bundle Casebook wrote)`,
      );
  const files = unzip(listed);
  for (const [name, expected] of Object.entries(manifest.data.files)) {
    const data = files.get(name);
    if (!data) throw new BadRequestError(`${label}: ${name} is missing (the bundle is incomplete)`);
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (data.byteLength !== expected.bytes || sha256 !== expected.sha256)
      throw new BadRequestError(`${label}: ${name} does not match its checksum (the bundle is damaged)`);
  }
  return { manifest: manifest.data, files, label };
}

function parseJson(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(strFromU8(bytes)) as unknown;
  } catch (error) {
    throw new BadRequestError(`${where} is not JSON: ${(error as Error).message}`);
  }
}

/** A listed entry, parsed with its schema. */
function entry<S extends z.ZodType>(checked: Checked, name: string, schema: S): z.output<S> {
  if (!(name in checked.manifest.files)) throw new BadRequestError(`${checked.label}: ${name} is not in the manifest`);
  const parsed = schema.safeParse(parseJson(checked.files.get(name) ?? new Uint8Array(), `${checked.label}: ${name}`));
  if (!parsed.success) throw new BadRequestError(`${checked.label}: ${name}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function bin(checked: Checked, name: string): Uint8Array {
  if (!(name in checked.manifest.files)) throw new BadRequestError(`${checked.label}: ${name} is not in the manifest`);
  return checked.files.get(name) ?? new Uint8Array();
}

/** One run of the bundle, every entry parsed and checked, ready to insert. */
interface RunPlan {
  run: BundleRun;
  epochs: z.output<typeof Epochs>;
  checkpoints: { kind: 'best' | 'last'; entry: z.output<typeof CheckpointEntry>; weights: Buffer }[];
  evaluation: { entry: z.output<typeof EvaluationEntry>; bin: Uint8Array } | null;
  explanations: { entry: z.output<typeof ExplanationEntry>; bin: Uint8Array }[];
  members: RunPlan[];
  /** Every key of this run and its members. */
  keys: Set<string>;
}

function planRun(checked: Checked, run: BundleRun, labels: ReadonlyMap<number, number>): RunPlan {
  const where = (file: string) => `${checked.label}: ${runPath(run.key, file)}`;
  const config = RunConfig.safeParse(run.config);
  if (!config.success || config.data.model !== run.model)
    throw new BadRequestError(
      `${checked.label}: manifest.json: run ${run.key} has no valid ${run.model} configuration` +
        (config.success ? '' : ` (${describeZodError(config.error)})`),
    );
  const checkLabel = (idx: number, label: number, file: string) => {
    const stored = labels.get(idx);
    if (stored === undefined)
      throw new BadRequestError(`${where(file)}: test image ${idx} does not exist in the dataset`);
    if (stored !== label)
      throw new BadRequestError(`${where(file)}: test image ${idx} has label ${label}, the dataset says ${stored}`);
  };
  const evaluation = run.evaluation
    ? {
        entry: entry(checked, runPath(run.key, 'evaluation.json'), EvaluationEntry),
        bin: bin(checked, runPath(run.key, 'evaluation.bin')),
      }
    : null;
  if (evaluation) {
    const metrics = RunMetrics.safeParse(evaluation.entry.metrics);
    if (!metrics.success)
      throw new BadRequestError(`${where('evaluation.json')}: metrics: ${describeZodError(metrics.error)}`);
    for (const p of evaluation.entry.predictions) checkLabel(p.idx, p.label, 'evaluation.json');
  }
  if (run.shownExplanation !== undefined && run.shownExplanation >= run.explanations)
    throw new BadRequestError(
      `${checked.label}: manifest.json: run ${run.key} shows explanation ${run.shownExplanation}, but has ${run.explanations}`,
    );
  const explanations = Array.from({ length: run.explanations }, (_, n) => {
    const file = `explanation-${n}.json`;
    const e = {
      entry: entry(checked, runPath(run.key, file), ExplanationEntry),
      bin: bin(checked, runPath(run.key, `explanation-${n}.bin`)),
    };
    const summary = ExplanationSummary.safeParse(e.entry.summary);
    if (!summary.success) throw new BadRequestError(`${where(file)}: summary: ${describeZodError(summary.error)}`);
    for (const image of e.entry.images) checkLabel(image.idx, image.label, file);
    return e;
  });
  const members = run.members.map((member) => planRun(checked, member, labels));
  const keys = new Set([run.key, ...members.flatMap((m) => [...m.keys])]);
  if (keys.size !== 1 + members.reduce((n, m) => n + m.keys.size, 0))
    throw new BadRequestError(`${checked.label}: manifest.json: a run key appears twice`);
  return {
    run,
    epochs: entry(checked, runPath(run.key, 'epochs.json'), Epochs),
    checkpoints: run.checkpoints.map((kind) => ({
      kind,
      entry: entry(checked, runPath(run.key, `checkpoint-${kind}.json`), CheckpointEntry),
      weights: Buffer.from(bin(checked, runPath(run.key, `checkpoint-${kind}.bin`))),
    })),
    evaluation,
    explanations,
    members,
    keys,
  };
}

/** The bundle key's id: `run-12` → 12. */
const keyId = (key: string): number => Number(key.slice('run-'.length));

/**
 * The imported run's name and colour. A name the user gave is kept; a default name ("CNN #3",
 * naming the run's id in the exporting database) becomes the default name of its new id, so it
 * never names another run here. The colour is kept: it is the colour of the run's figures
 * elsewhere (a bundle without them gets a new run's).
 */
function importedIdentity(
  run: BundleRun,
  fresh: { name: string; colour: string },
  member: { index: number; parentKey: string } | null,
): { name: string; colour: string } {
  const oldDefault = defaultRunName(
    MODEL_LABELS[run.model],
    keyId(run.key),
    member === null ? undefined : { index: member.index, ensembleId: keyId(member.parentKey) },
  );
  return {
    name: run.name === undefined || run.name === oldDefault ? fresh.name : run.name,
    colour: run.colour ?? fresh.colour,
  };
}

/** Writes a planned run through the stores' writers, its members after it; returns its new id. */
function writeRun(
  stores: Stores,
  plan: RunPlan,
  where: { datasetId: number; hash: string; parentId: number | null },
  runIds: Record<string, number>,
  member: { index: number; parentKey: string } | null = null,
): number {
  const r = plan.run;
  const id = stores.runs.restore(
    {
      datasetId: where.datasetId,
      datasetHash: where.hash,
      model: r.model,
      config: r.config,
      parentId: where.parentId,
      status: r.status,
      error: r.error,
      backend: r.backend,
      params: r.params,
      epochsDone: r.epochsDone,
      bestEpoch: r.bestEpoch,
      bestValLoss: r.bestValLoss,
      trainSeconds: r.trainSeconds,
      imagesPerSecond: r.imagesPerSecond,
      testLoss: r.testLoss,
      testAccuracy: r.testAccuracy,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    },
    {
      epochs: plan.epochs,
      checkpoints: plan.checkpoints.map(({ kind, entry: c, weights }) => ({
        kind,
        epoch: c.epoch,
        topology: c.topology,
        weightSpecs: c.weightSpecs,
        weights,
        trainingConfig: c.trainingConfig,
        state: c.state,
        savedAt: c.savedAt,
      })),
    },
    (fresh) => importedIdentity(r, fresh, member),
  );
  runIds[r.key] = id;
  if (plan.evaluation) {
    const { entry: evaluation, bin: data } = plan.evaluation;
    const where = (idx: number) => `${runPath(r.key, 'evaluation.json')}, image ${idx}`;
    stores.evaluations.restore(
      id,
      { samples: evaluation.samples, metrics: evaluation.metrics, createdAt: evaluation.createdAt },
      evaluation.predictions.map((p) => ({
        ...p,
        samples: p.samples ? blobAt(data, p.samples, where(p.idx)) : null,
      })),
    );
  }
  plan.explanations.forEach(({ entry: explanation, bin: data }, n) => {
    const explanationId = stores.explanations.restore(
      id,
      {
        method: explanation.method,
        layer: explanation.layer,
        samples: explanation.samples,
        summary: explanation.summary,
        createdAt: explanation.createdAt,
      },
      explanation.images.map((image) => {
        const where = `${runPath(r.key, 'explanation')}, image ${image.idx}`;
        const blob = (ref: typeof image.std) => (ref === null ? null : blobAt(data, ref, where));
        return {
          ...image,
          map: blobAt(data, image.map, where),
          std: blob(image.std),
          trueMap: blob(image.trueMap),
          trueStd: blob(image.trueStd),
        };
      }),
    );
    if (n === r.shownExplanation) stores.explanations.show(id, explanationId);
  });
  plan.members.forEach((m, i) =>
    writeRun(stores, m, { ...where, parentId: id }, runIds, { index: i + 1, parentKey: r.key }),
  );
  return id;
}

/**
 * The merge rule: an image with no annotation here gets the bundle's (tags, note, its run); an
 * image with one keeps it and gains the bundle's tags, and the bundle's note (with its run) only
 * where the note here is empty. A user's own note is never replaced. Each change goes through the
 * annotation store, so it has its undo record like any edit.
 */
function mergeAnnotations(
  stores: Stores,
  datasetHash: string,
  annotations: z.output<typeof Annotations>,
  runIds: Readonly<Record<string, number>>,
): RunImport['annotations'] {
  const store = stores.annotations;
  const counts = { added: 0, merged: 0, notesKept: 0 };
  for (const a of annotations) {
    const key = { datasetHash, split: a.split, index: a.index };
    const here = store.get(key);
    const runId = a.run === null ? null : (runIds[a.run] ?? null);
    const takeNote = here.note === '' && a.note !== '';
    if (here.note !== '' && a.note !== '' && here.note !== a.note) counts.notesKept++;
    const after = store.change(key, {
      addTags: a.tags,
      ...(takeNote ? { note: a.note } : {}),
      ...(here.runId === null && (takeNote || here.createdAt === null) ? { runId } : {}),
    });
    if (here.createdAt === null) {
      if (after.createdAt !== null) counts.added++;
    } else if (after.tags.length !== here.tags.length || after.note !== here.note || after.runId !== here.runId)
      counts.merged++;
  }
  return counts;
}
