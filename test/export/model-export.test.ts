import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { runCli } from '../../src/main/cli';
import { tf } from '../../src/main/lab/engine/backend';
import { buildCnn } from '../../src/main/lab/models/cnn';
import { McDropout, buildMcDropout } from '../../src/main/lab/models/mcdropout';
import { Sampling, buildVnn } from '../../src/main/lab/models/vnn';
import { openDatabase, type Db } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { RunStore } from '../../src/main/lab/store/runs';
import { saveCheckpoint } from '../../src/main/lab/training/checkpoint';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';
import { syntheticDataset } from '../helpers/synthetic';

const dir = tempDir();
const dbFile = join(dir, 'study.db');
const db: Db = openDatabase(dbFile);
const { dataset } = new DatasetStore(db).add(syntheticDataset());
const runs = new RunStore(db);
const x = tf.randomUniform([5, 32, 32, 3], 0, 1, 'float32', 3);
let server: Server | undefined;
afterAll(() => {
  server?.close();
  db.close();
});

/** A run whose best checkpoint is `model`. */
async function runWith(model: tf.LayersModel, family: 'cnn' | 'vnn' | 'mcdropout', parentId?: number): Promise<number> {
  const run = runs.create({
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    config: defaultRunConfig(family),
    ...(parentId ? { parentId } : {}),
  });
  runs.saveCheckpoint(run.id, 'best', await saveCheckpoint(model, { epoch: 1, state: null, includeOptimizer: false }));
  return run.id;
}

async function exported(runId: number, out: string): Promise<Record<string, unknown>> {
  const io = captureIo();
  expect(await runCli(['export-model', '--run', String(runId), '--out', out, '--db', dbFile, '--json'], io)).toBe(0);
  return JSON.parse(io.out()) as Record<string, unknown>;
}

/** Serves a folder over HTTP, as a web page would fetch the model. */
async function serve(root: string): Promise<string> {
  server = createServer((request, response) => {
    try {
      response.end(readFileSync(join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname))));
    } catch {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function predict(model: tf.LayersModel): Promise<Float32Array> {
  const y = model.predict(x) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  y.dispose();
  return values;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - (b[i] ?? NaN))));
}

describe('export-model', () => {
  it('a CNN loads with stock tf.loadLayersModel over HTTP and predicts the same', async () => {
    const model = buildCnn({ seed: 1 });
    const runId = await runWith(model, 'cnn');
    const out = join(dir, 'cnn');
    expect(await exported(runId, out)).toMatchObject({
      files: ['group1-shard1of1.bin', 'model.json', 'README.md'],
      customLayers: [],
    });
    expect(readdirSync(out).sort()).toEqual(['README.md', 'group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.weightsManifest[0]?.paths).toEqual(['group1-shard1of1.bin']);
    const url = await serve(out);
    const loaded = await tf.loadLayersModel(`${url}/model.json`);
    expect(maxDiff(await predict(loaded), await predict(model))).toBeLessThanOrEqual(1e-6);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('deer, frog, truck');
  });

  it('exported over an earlier export, leaves one model: the earlier one’s own files go, the user’s stay', async () => {
    const out = join(dir, 'reused');
    const mcd = await runWith(buildMcDropout({ seed: 1, trainingSize: 100 }), 'mcdropout');
    await exported(mcd, out);
    expect(readdirSync(out)).toContain('casebook-layers.mjs');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const ensemble = runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('ensemble'),
    });
    for (const seed of [1, 2]) await runWith(buildCnn({ seed }), 'cnn', ensemble.id);
    expect(await exported(ensemble.id, out)).toMatchObject({
      removed: ['casebook-layers.mjs', 'model.json', 'group1-shard1of1.bin'],
    });
    expect(readdirSync(out).sort()).toEqual(['README.md', 'member-1', 'member-2', 'notes.txt']);
    const cnn = await runWith(buildCnn({ seed: 3 }), 'cnn');
    expect(await exported(cnn, out)).toMatchObject({
      removed: [
        join('member-1', 'model.json'),
        join('member-1', 'group1-shard1of1.bin'),
        join('member-2', 'model.json'),
        join('member-2', 'group1-shard1of1.bin'),
      ],
    });
    expect(readdirSync(out).sort()).toEqual(['README.md', 'group1-shard1of1.bin', 'model.json', 'notes.txt']);
  });

  it('an ensemble gets one folder per member and a README on averaging them', async () => {
    const ensemble = runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('ensemble'),
    });
    for (const seed of [1, 2]) await runWith(buildCnn({ seed }), 'cnn', ensemble.id);
    const out = join(dir, 'ensemble');
    expect(await exported(ensemble.id, out)).toMatchObject({ members: 2 });
    expect(readdirSync(out).sort()).toEqual(['README.md', 'member-1', 'member-2']);
    expect(readdirSync(join(out, 'member-2')).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('mean of its members’ probabilities');
  });

  it('a VNN and an MC-dropout model load with casebook-layers.mjs and match at the random layers’ mean', async () => {
    const vnn = buildVnn({ seed: 1 });
    const mcd = buildMcDropout({ seed: 1, trainingSize: 100 });
    // Casebook's own layers at their mean: ε = 0; a mask of 1 − rate, which the layer's 1 / (1 − rate) scales to 1
    for (const layer of [...vnn.layers, ...mcd.layers]) {
      if (layer instanceof Sampling) layer.epsilon = (shape) => tf.zeros(shape);
      if (layer instanceof McDropout) layer.keepMask = (shape) => tf.fill(shape, 1 - layer.rate);
    }
    const expected = [await predict(vnn), await predict(mcd)];
    const ids = [await runWith(vnn, 'vnn'), await runWith(mcd, 'mcdropout')];
    const outs = [join(dir, 'vnn'), join(dir, 'mcd')];
    expect(await exported(ids[0]!, outs[0]!)).toMatchObject({ customLayers: ['Sampling'] });
    expect(await exported(ids[1]!, outs[1]!)).toMatchObject({ customLayers: ['McDropout'] });
    expect(readFileSync(join(outs[0]!, 'README.md'), 'utf8')).toContain('registerCasebookLayers(tf)');
    // the module written beside the model, as a user would import it (it replaces Casebook's classes here)
    const { registerCasebookLayers } = (await import(
      /* @vite-ignore */ pathToFileURL(join(outs[0]!, 'casebook-layers.mjs')).href
    )) as { registerCasebookLayers: (t: typeof tf, options?: { mean?: boolean }) => unknown };
    registerCasebookLayers(tf, { mean: true });
    const url = await serve(dir);
    for (const [i, name] of ['vnn', 'mcd'].entries()) {
      const loaded = await tf.loadLayersModel(`${url}/${name}/model.json`);
      expect(loaded.layers.some((l) => ['Sampling', 'McDropout'].includes(l.getClassName()))).toBe(true);
      expect(maxDiff(await predict(loaded), expected[i]!)).toBeLessThanOrEqual(1e-6);
    }
    // without the mean, the layers sample: two passes differ
    registerCasebookLayers(tf);
    const sampling = await tf.loadLayersModel(`${url}/vnn/model.json`);
    expect(maxDiff(await predict(sampling), await predict(sampling))).toBeGreaterThan(0);
  });
});
