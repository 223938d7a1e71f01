import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { syntheticDataset } from '../helpers/synthetic';

describe('DatasetStore', () => {
  it('stores a dataset and reports its class counts per split', () => {
    const store = new DatasetStore(openDatabase(':memory:'));
    const { dataset, reused } = store.add(syntheticDataset({ train: 4, test: 2 }));
    expect(reused).toBe(false);
    expect(dataset.classes).toEqual(['deer', 'frog', 'truck']);
    expect(dataset.counts).toEqual({
      train: { deer: 4, frog: 4, truck: 4 },
      test: { deer: 2, frog: 2, truck: 2 },
    });
    expect(dataset.imageShape).toEqual([32, 32, 3]);
    expect(dataset.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(store.list().map((d) => d.id)).toEqual([dataset.id]);
  });

  it('recognises the same content instead of storing it twice', () => {
    const db = openDatabase(':memory:');
    const store = new DatasetStore(db);
    const first = store.add(syntheticDataset());
    const second = store.add({ ...syntheticDataset(), name: 'another name', source: 'elsewhere' });
    expect(second.reused).toBe(true);
    expect(second.dataset.id).toBe(first.dataset.id);
    expect(db.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(1);
    const different = store.add(syntheticDataset({ seed: 5 }));
    expect(different.reused).toBe(false);
    expect(store.list()).toHaveLength(2);
  });

  it('counts a dataset’s images once per connection (they never change), each dataset its own', () => {
    const db = openDatabase(':memory:');
    const store = new DatasetStore(db);
    const counted: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((source: string) => {
      if (source.includes('count(*) AS n FROM images')) counted.push(source);
      return prepare(source);
    }) as typeof db.prepare;
    const small = store.add(syntheticDataset({ train: 1, test: 1 })).dataset;
    const large = store.add(syntheticDataset({ train: 5, test: 3, seed: 9 })).dataset;
    expect(counted).toHaveLength(2);
    for (let i = 0; i < 3; i++) {
      expect(store.get(small.id).counts.train).toEqual({ deer: 1, frog: 1, truck: 1 });
      expect(new DatasetStore(db).get(large.id).counts.test).toEqual({ deer: 3, frog: 3, truck: 3 });
      store.label(large.id, 'test', 4);
    }
    expect(store.list().map((d) => d.counts.train.deer)).toEqual([1, 5]);
    expect(counted).toHaveLength(2);
    // a caller changing its copy changes nothing stored
    store.get(small.id).counts.train.deer = 99;
    expect(store.get(small.id).counts.train.deer).toBe(1);
  });

  it('round-trips pixels and labels, in order', () => {
    const store = new DatasetStore(openDatabase(':memory:'));
    const input = syntheticDataset({ train: 3, test: 1 });
    const { dataset } = store.add(input);
    const train = store.loadSplit(dataset.id, 'train');
    expect(Array.from(train.labels)).toEqual(Array.from(input.content.train.labels));
    expect(Buffer.from(train.pixels).equals(Buffer.from(input.content.train.pixels))).toBe(true);
    const image = store.image(dataset.id, 'test', 2);
    expect(image.label).toBe(input.content.test.labels[2]);
    expect(image.pixels[0]).toBe(input.content.test.pixels[2 * 32 * 32 * 3]);
  });

  it('pages images, optionally by label', () => {
    const store = new DatasetStore(openDatabase(':memory:'));
    const { dataset } = store.add(syntheticDataset({ train: 5 }));
    const page = store.listImages({ datasetId: dataset.id, split: 'train', offset: 2, limit: 4 });
    expect(page.total).toBe(15);
    expect(page.items.map((i) => i.index)).toEqual([2, 3, 4, 5]);
    const frogs = store.listImages({ datasetId: dataset.id, split: 'train', label: 1, offset: 0, limit: 100 });
    expect(frogs.total).toBe(5);
    expect(frogs.items.every((i) => i.label === 1)).toBe(true);
  });

  it('names what is missing', () => {
    const store = new DatasetStore(openDatabase(':memory:'));
    expect(() => store.get(7)).toThrow('no dataset with id 7');
    const { dataset } = store.add(syntheticDataset());
    expect(() => store.image(dataset.id, 'test', 999)).toThrow(`dataset ${dataset.id} has no test image 999`);
  });

  it('writes nothing when an insert fails part-way', () => {
    const db = openDatabase(':memory:');
    const store = new DatasetStore(db);
    const bad = syntheticDataset();
    // the fourth image's insert fails after the dataset row and three images were written
    db.exec("CREATE TRIGGER no_fourth BEFORE INSERT ON images WHEN NEW.idx = 3 BEGIN SELECT RAISE(ABORT, 'boom'); END");
    expect(() => store.add(bad)).toThrow(/boom/);
    expect(db.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM images').pluck().get()).toBe(0);
  });
});
