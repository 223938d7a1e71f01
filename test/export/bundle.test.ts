import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { runCli } from '../../src/main/cli';
import { tf } from '../../src/main/lab/engine/backend';
import { exportRunBundle } from '../../src/main/lab/export/bundle-export';
import { BUNDLE_LIMIT, importRunBundle } from '../../src/main/lab/export/bundle-import';
import { zipWithZeros } from '../../bench/bundles';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { McDropout } from '../../src/main/lab/models/mcdropout';
import { AnnotationStore } from '../../src/main/lab/store/annotations';
import { openDatabase, type Db } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { openStores } from '../../src/main/lab/store/index';
import { RunStore } from '../../src/main/lab/store/runs';
import { loadCheckpointModel } from '../../src/main/lab/training/checkpoint';
import { captureIo } from '../helpers/io';
import { tempDir, storesOf } from '../helpers/lab';
import { syntheticDataset } from '../helpers/synthetic';

const DATA = syntheticDataset({ train: 6, test: 2 });
const NOTE = 'their note, with "quotes"';

let lab: Lab;
let dir: string;
let mcd: number;
let ensemble: number;
let hash: string;

beforeAll(async () => {
  dir = tempDir();
  lab = new Lab({
    databasePath: join(dir, 'source.db'),
    mode: 'browser',
    version: 'test',
    launch: inProcessLauncher,
    emit: () => undefined,
    autoEvaluate: false,
  });
  const { dataset } = storesOf(lab).datasets.add(DATA);
  hash = dataset.contentHash;
  const trained = [
    lab.startRun({ datasetId: dataset.id, model: 'mcdropout', epochs: 1, batchSize: 6 }),
    lab.startRun({ datasetId: dataset.id, model: 'ensemble', members: 2, epochs: 1, batchSize: 6 }),
  ];
  mcd = trained[0]!.run.id;
  ensemble = trained[1]!.run.id;
  for (const { job } of trained) expect((await lab.jobs.finished(job.id)).job.status).toBe('done');
  lab.evaluate(mcd, 10);
  lab.evaluate(ensemble);
  lab.explain({ id: mcd, samples: 4 });
  const last = lab.explain({ id: ensemble });
  expect((await lab.jobs.finished(last.id)).job.status).toBe('done');
  const annotations = new AnnotationStore(storesOf(lab).db);
  annotations.change({ datasetHash: hash, split: 'test', index: 0 }, { addTags: ['b'], note: NOTE, runId: mcd });
  annotations.change(
    { datasetHash: hash, split: 'test', index: 1 },
    { addTags: ['interesting'], note: 'only in the bundle' },
  );
  annotations.change({ datasetHash: hash, split: 'train', index: 2 }, { addTags: ['ambiguous'] });
}, 120_000);
afterAll(() => lab.close());

/** A fresh database holding the same dataset (and, optionally, an annotation of its own). */
function target(withOwnAnnotation = false): Db {
  const db = openDatabase(join(tempDir(), 'target.db'));
  // another dataset first, so the ids differ from the source's
  const other = new DatasetStore(db).add(syntheticDataset({ train: 1, test: 1, seed: 9 })).dataset;
  new RunStore(db).create({ datasetId: other.id, datasetHash: other.contentHash, config: defaultRunConfig('cnn') });
  new DatasetStore(db).add(DATA);
  if (withOwnAnnotation)
    new AnnotationStore(db).change({ datasetHash: hash, split: 'test', index: 0 }, { addTags: ['a'], note: 'mine' });
  return db;
}

/** Blobs as their sha256 and size: cheap to compare, and a difference prints short. */
function digest(row: unknown): unknown {
  return Object.fromEntries(
    Object.entries(row as Record<string, unknown>).map(([k, v]) => [
      k,
      Buffer.isBuffer(v) ? `${v.byteLength} bytes, sha256 ${createHash('sha256').update(v).digest('hex')}` : v,
    ]),
  );
}

/** Everything stored about a run and its members, without ids, for comparison. */
function dump(db: Db, runId: number): unknown {
  const one = (id: number): unknown => {
    const run = db
      .prepare(
        `SELECT model, config, status, error, backend, params, epochs_done, best_epoch, best_val_loss, train_seconds,
                images_per_second, test_loss, test_accuracy, created_at, started_at, finished_at FROM runs WHERE id = ?`,
      )
      .get(id);
    const evaluation = db
      .prepare('SELECT id, samples, metrics, created_at FROM evaluations WHERE run_id = ? ORDER BY id DESC')
      .get(id) as { id: number } | undefined;
    const explanations = db
      .prepare('SELECT id, method, layer, samples, summary, created_at FROM explanations WHERE run_id = ? ORDER BY id')
      .all(id) as { id: number }[];
    return {
      run,
      epochs: db
        .prepare(
          'SELECT epoch, loss, accuracy, val_loss, val_accuracy, seconds, images_per_second FROM run_epochs WHERE run_id = ?',
        )
        .all(id),
      checkpoints: db
        .prepare(
          'SELECT kind, epoch, topology, weight_specs, weights, training_config, state, saved_at FROM checkpoints WHERE run_id = ? ORDER BY kind',
        )
        .all(id)
        .map((row) => digest(row)),
      evaluation: evaluation && { ...evaluation, id: undefined },
      predictions: db
        .prepare(
          'SELECT idx, label, predicted, confidence, entropy, mutual_information, variation_ratio, majority, probabilities, boxplots FROM predictions WHERE evaluation_id = ? ORDER BY idx',
        )
        .all(evaluation?.id ?? -1),
      samples: db
        .prepare('SELECT idx, samples FROM evaluation_samples WHERE evaluation_id = ? ORDER BY idx')
        .all(evaluation?.id ?? -1)
        .map((row) => digest(row)),
      explanations: explanations.map((e) => ({
        ...e,
        id: undefined,
        images: db
          .prepare(
            'SELECT idx, label, predicted, probability, background, map, std, true_map, true_std FROM explanation_images WHERE explanation_id = ? ORDER BY idx',
          )
          .all(e.id)
          .map((row) => digest(row)),
      })),
      members: (db.prepare('SELECT id FROM runs WHERE parent_id = ? ORDER BY id').pluck().all(id) as number[]).map(one),
    };
  };
  return one(runId);
}

/** The row count of every table. */
function counts(db: Db): Record<string, number> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));
}

function annotationsOf(db: Db) {
  return new AnnotationStore(db)
    .list(hash)
    .map(({ split, index, tags, note }) => ({ split, index, tags, note }))
    .sort((a, b) => `${a.split}${a.index}`.localeCompare(`${b.split}${b.index}`));
}

describe('run bundles', () => {
  it('round-trip a trained, evaluated, explained, annotated run into a fresh database', async () => {
    lab.renameRun(mcd, 'MC dropout, τ 0.5');
    lab.setRunColour(mcd, '#123abc');
    const { bytes, manifest } = exportRunBundle(storesOf(lab).db, mcd, 'test');
    expect(manifest).toMatchObject({
      format: 'casebook-run',
      version: 1,
      annotations: 3,
      dataset: { contentHash: hash },
    });
    expect(manifest.run).toMatchObject({
      model: 'mcdropout',
      checkpoints: ['best', 'last'],
      evaluation: true,
      explanations: 1,
    });
    const db = target();
    const result = importRunBundle(db, bytes, 'x.casebook-run');
    expect(result.runId).not.toBe(mcd);
    // the name the user gave and the colour are kept
    expect(new RunStore(db).get(result.runId)).toMatchObject({ name: 'MC dropout, τ 0.5', colour: '#123abc' });
    expect(result.annotations).toEqual({ added: 3, merged: 0, notesKept: 0 });
    expect(dump(db, result.runId)).toEqual(dump(storesOf(lab).db, mcd));
    // samples were stored (a stochastic run), so the comparison covered them
    expect((dump(db, result.runId) as { samples: unknown[] }).samples).toHaveLength(6);
    expect(annotationsOf(db)).toEqual(annotationsOf(storesOf(lab).db));
    // the annotation's run follows the run to its new id
    expect(new AnnotationStore(db).get({ datasetHash: hash, split: 'test', index: 0 }).runId).toBe(result.runId);
    // the best model predicts identically (the same fixed dropout mask on both sides)
    const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 7);
    const predict = async (source: Db, id: number) => {
      const model = await loadCheckpointModel(new RunStore(source).checkpoint(id, 'best')!);
      for (const layer of model.layers) if (layer instanceof McDropout) layer.keepMask = (shape) => tf.ones(shape);
      const y = model.predict(x) as tf.Tensor;
      const values = await y.data();
      y.dispose();
      model.dispose();
      return Array.from(values);
    };
    expect(await predict(db, result.runId)).toEqual(await predict(storesOf(lab).db, mcd));
    x.dispose();
    db.close();
  });

  it('carry an ensemble with its members; merge annotations without replacing the user’s note', async () => {
    const io = captureIo();
    const file = join(dir, 'ensemble.casebook-run');
    expect(
      await runCli(
        ['export-run', '--run', String(ensemble), '--out', file, '--db', join(dir, 'source.db'), '--json'],
        io,
      ),
    ).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ runId: ensemble, runs: 3, annotations: 3 });
    const db = target(true);
    // one more run here, so the ensemble and its members get other ids than in the source
    const first = new RunStore(db).get(1);
    new RunStore(db).create({ datasetId: first.datasetId, datasetHash: first.datasetHash, config: first.config });
    const dbFile = db.name;
    db.close();
    const io2 = captureIo();
    const code = await runCli(['import-run', '--file', file, '--db', dbFile, '--json'], io2);
    expect(io2.err()).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(io2.out()) as { runId: number; runIds: Record<string, number>; annotations: unknown };
    expect(Object.keys(result.runIds)).toHaveLength(3);
    expect(result.annotations).toEqual({ added: 2, merged: 1, notesKept: 1 });
    const imported = openDatabase(dbFile);
    expect(dump(imported, result.runId)).toEqual(dump(storesOf(lab).db, ensemble));
    expect(new RunStore(imported).members(result.runId).map((m) => m.parentId)).toEqual([result.runId, result.runId]);
    // default names follow the new ids (never naming another run here); colours are kept
    const source = new RunStore(storesOf(lab).db);
    const names = (store: RunStore, id: number) => [store.get(id), ...store.members(id)].map((r) => [r.name, r.colour]);
    const sourceColours = names(source, ensemble).map(([, colour]) => colour);
    const [m1, m2] = new RunStore(imported).members(result.runId).map((m) => m.id);
    expect(names(new RunStore(imported), result.runId)).toEqual([
      [`Deep ensemble #${result.runId}`, sourceColours[0]],
      [`CNN #${m1} (member 1 of #${result.runId})`, sourceColours[1]],
      [`CNN #${m2} (member 2 of #${result.runId})`, sourceColours[2]],
    ]);
    expect(result.runId).not.toBe(ensemble);
    expect(names(new RunStore(imported), result.runId)[0]?.[0]).not.toBe(names(source, ensemble)[0]?.[0]);
    const own = new AnnotationStore(imported).get({ datasetHash: hash, split: 'test', index: 0 });
    expect(own).toMatchObject({ tags: ['a', 'b'], note: 'mine', runId: null });
    // the merge is an ordinary, undoable change
    expect(new AnnotationStore(imported).undo(hash, { split: 'test', index: 0 })?.annotation).toMatchObject({
      tags: ['a'],
      note: 'mine',
    });
    imported.close();
  });

  it('refuse an unknown version, a missing dataset, a truncated or damaged file — nothing written', async () => {
    const { bytes } = exportRunBundle(storesOf(lab).db, mcd, 'test');
    const entries = unzipSync(bytes);
    const rezip = (change: (files: typeof entries) => void) => {
      const files = { ...entries };
      change(files);
      return zipSync(files);
    };
    const manifest = JSON.parse(strFromU8(entries['manifest.json']!)) as Record<string, unknown>;
    const cases: [string, Uint8Array, Db, RegExp][] = [
      [
        'version',
        rezip((f) => (f['manifest.json'] = strToU8(JSON.stringify({ ...manifest, version: 2 })))),
        target(),
        /unknown casebook-run version 2; this Casebook reads version 1 \(update Casebook\)/,
      ],
      [
        'format',
        rezip((f) => (f['manifest.json'] = strToU8(JSON.stringify({ ...manifest, format: 'other' })))),
        target(),
        /unknown bundle format "other"/,
      ],
      [
        'dataset',
        bytes,
        openDatabase(join(tempDir(), 'empty.db')),
        new RegExp(`import the dataset with content hash ${hash}`),
      ],
      ['truncated', bytes.subarray(0, Math.floor(bytes.byteLength / 2)), target(), /corrupt or truncated/],
      [
        'name',
        rezip(
          (f) =>
            (f['manifest.json'] = strToU8(
              JSON.stringify({ ...manifest, run: { ...(manifest.run as object), name: ' ' } }),
            )),
        ),
        target(),
        /manifest\.json: run\.name: a run name cannot be empty/,
      ],
      [
        'colour',
        rezip(
          (f) =>
            (f['manifest.json'] = strToU8(
              JSON.stringify({ ...manifest, run: { ...(manifest.run as object), colour: 'red' } }),
            )),
        ),
        target(),
        /manifest\.json: run\.colour: a colour is #rrggbb/,
      ],
      [
        'damaged',
        rezip((f) => (f[`runs/run-${mcd}/epochs.json`] = strToU8('[]'))),
        target(),
        /epochs\.json does not match its checksum/,
      ],
    ];
    for (const [name, data, db, message] of cases) {
      const before = counts(db);
      expect(() => importRunBundle(db, data, name), name).toThrow(message);
      expect(counts(db), name).toEqual(before);
      db.close();
    }
    // the CLI says so and exits 1
    const file = join(dir, 'truncated.casebook-run');
    writeFileSync(file, bytes.subarray(0, 100));
    const io = captureIo();
    expect(await runCli(['import-run', '--file', file, '--db', join(tempDir(), 'x.db')], io)).toBe(1);
    expect(io.err()).toContain('is not a readable Casebook run bundle');
    expect(readFileSync(file).byteLength).toBe(100);
    // a folder, or nothing, given as the bundle: said so, not EISDIR / ENOENT
    for (const [path, message] of [
      [dir, `${dir} is a folder, not a run bundle`],
      [join(dir, 'absent.casebook-run'), `${join(dir, 'absent.casebook-run')} does not exist`],
    ]) {
      const io3 = captureIo();
      expect(await runCli(['import-run', '--file', path!, '--db', join(tempDir(), 'y.db')], io3)).toBe(1);
      expect(io3.err()).toContain(message);
      expect(io3.err()).not.toMatch(/EISDIR|ENOENT/);
    }
  });
  it('refuse a bundle bomb within seconds, inflating only what the manifest lists and no more — nothing written', () => {
    const entries = unzipSync(exportRunBundle(storesOf(lab).db, mcd, 'test').bytes);
    const manifest = JSON.parse(strFromU8(entries['manifest.json']!)) as { files: Record<string, { bytes: number }> };
    const epochs = `runs/run-${mcd}/epochs.json`;
    const evaluation = `runs/run-${mcd}/evaluation.bin`;
    const overLimit = zipSync({
      ...entries,
      'manifest.json': strToU8(
        JSON.stringify({
          ...manifest,
          files: { ...manifest.files, [evaluation]: { ...manifest.files[evaluation], bytes: BUNDLE_LIMIT } },
        }),
      ),
    });
    const cases: [string, Uint8Array, RegExp][] = [
      // 64 MiB of zeros in an entry the manifest does not list: refused from the zip's directory
      [
        'unlisted',
        zipWithZeros(entries, 'zeros.bin', 64),
        /the zip holds zeros\.bin, which manifest\.json does not list/,
      ],
      // the same zeros under a listed name: stopped once past its listed size, not at the checksum
      [
        'oversized',
        zipWithZeros(entries, epochs, 64),
        new RegExp(`${epochs.replaceAll('.', '\\.')} inflates to more than its ${manifest.files[epochs]?.bytes} bytes`),
      ],
      ['over the limit', overLimit, new RegExp(`more than a run bundle may hold \\(${BUNDLE_LIMIT} bytes\\)`)],
    ];
    for (const [name, data, message] of cases) {
      const db = target();
      const before = counts(db);
      const started = performance.now();
      expect(() => importRunBundle(db, data, name), name).toThrow(message);
      expect(performance.now() - started, name).toBeLessThan(5000);
      expect(counts(db), name).toEqual(before);
      db.close();
    }
  }, 60_000);
});

describe('run bundles and the shown explanation', () => {
  it("carry the user's pick of the explanation shown, and the newest stays shown without one", async () => {
    const { explanations } = storesOf(lab);
    const first = explanations.shown(ensemble);
    expect(first).not.toBeNull();
    // a second explanation of the run (as a job for a chosen class would store it), then the user picks the first
    explanations.add(ensemble, { ...first!.summary, targetClass: 1 }, []);
    const plain = target();
    const unpicked = importRunBundle(plain, exportRunBundle(storesOf(lab).db, ensemble, 'test').bytes, 'a');
    expect(openStores(plain).explanations.shown(unpicked.runId)?.summary.targetClass).toBe(1);
    plain.close();
    await lab.dispatch('showExplanation', { runId: ensemble, explanationId: first!.id });
    const { bytes, manifest } = exportRunBundle(storesOf(lab).db, ensemble, 'test');
    expect(manifest.run).toMatchObject({ explanations: 2, shownExplanation: 0 });
    const db = target();
    const { runId } = importRunBundle(db, bytes, 'b');
    const imported = openStores(db).explanations;
    expect(imported.list(runId).map((e) => e.summary.targetClass)).toEqual([1, null]);
    expect(imported.shown(runId)?.summary).toEqual(first!.summary);
    db.close();
  });
});
