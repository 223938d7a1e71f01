import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { runCli } from '../../src/main/cli';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { FeatureStore } from '../../src/main/lab/store/features';
import { TrainLabelCheckStore } from '../../src/main/lab/store/train-label-checks';
import { RunStore } from '../../src/main/lab/store/runs';
import { trainRun } from '../../src/main/lab/training/train';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';
import { syntheticDataset } from '../helpers/synthetic';

/** A study file with one tiny trained CNN (run 1) and no features yet. */
let db: string;
beforeAll(async () => {
  db = join(tempDir(), 'study.db');
  const database = openDatabase(db);
  const datasets = new DatasetStore(database);
  const runs = new RunStore(database);
  const { dataset } = datasets.add(syntheticDataset({ train: 10, test: 3 }));
  const config = { ...defaultRunConfig('cnn'), epochs: 1, batchSize: 10 };
  const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
  await trainRun({ runs, datasets, runId: run.id });
  database.close();
});

describe('casebook neighbours', () => {
  it("computes a run's missing features, then prints an image's nearest training images as one JSON line", async () => {
    const io = captureIo();
    expect(
      await runCli(['neighbours', '--run', '1', '--image', 'train/7', '--k', '5', '--db', db, '--json'], io),
      io.err(),
    ).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as {
      runId: number;
      image: unknown;
      neighbours: { split: string; index: number; label: string; distance: number }[];
    };
    expect(line.runId).toBe(1);
    expect(line.image).toEqual({ split: 'train', index: 7, label: 'frog' });
    expect(line.neighbours).toHaveLength(5);
    expect(line.neighbours[0]).toEqual({ split: 'train', index: 7, label: 'frog', distance: 0 });
    const distances = line.neighbours.map((n) => n.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    const stored = openDatabase(db);
    expect(new FeatureStore(stored).info(1).map((f) => f.split)).toEqual(['test', 'train']);
    stored.close();

    const plain = captureIo();
    expect(await runCli(['neighbours', '--run', '1', '--image', 'test/2', '--db', db], plain), plain.err()).toBe(0);
    expect(plain.out()).toMatch(
      /^CNN #1 \(run 1, features at dense_2\): test\/2 \(truck\)\n {2}.+\n {3}1\. train\/\d+/,
    );
    expect(plain.out().trim().split('\n')).toHaveLength(2 + 8);
  });

  it('says what is wrong with the image, the run and k', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--run', '1'], 2, /--image <split>\/<index> is required/],
      [['--run', '1', '--image', 'val/3'], 2, /--image: "val\/3" is not <split>\/<index>/],
      [['--run', '1', '--image', 'test/2', '--k', '0'], 2, /--k/],
      [['--run', '1', '--image', 'test/99'], 1, /test images 0–8 .*test\/99 is not among them/],
      [['--run', '7', '--image', 'test/1'], 1, /no run with id 7/],
    ];
    for (const [argv, code, message] of cases) {
      const io = captureIo();
      expect(await runCli(['neighbours', ...argv, '--db', db], io), argv.join(' ')).toBe(code);
      expect(io.err()).toMatch(message);
    }
  });

  it('find lists the training images that may be mislabelled, as the label checks say', async () => {
    // the features (and label checks) the first test computed
    const stored = openDatabase(db);
    const expected = new TrainLabelCheckStore(stored).suspects([1], 0.5, 20);
    stored.close();
    const io = captureIo();
    const argv = ['find', '--runs', '1', '--lists', 'training-mislabelled', '--share', '0.5', '--db', db, '--json'];
    expect(await runCli(argv, io), io.err()).toBe(0);
    const lines = io
      .out()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { list: string; split: string; index: number; reason: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.map((l) => l.index)).toEqual(expected.items.map((item) => item.index));
    for (const line of lines) {
      expect(line).toMatchObject({ list: 'training-mislabelled', split: 'train' });
      expect(line.reason).toMatch(/^labelled \w+, but [4-8] of its 8 nearest training images .* in CNN #1$/);
    }
    const bad = captureIo();
    expect(await runCli(['find', '--runs', '1', '--share', '2', '--db', db], bad)).toBe(2);
    expect(bad.err()).toMatch(/--share/);
  });
});
