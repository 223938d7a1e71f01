import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../src/main/lab/store/database';
import { MapStore } from '../../src/main/lab/store/maps';
import { migrations } from '../../src/main/lab/store/migrations/index';

/** A database at the version before 013 with a dataset of 3 test images, a run, its evaluation and a tagged image. */
function before013() {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, 12));
  db.prepare(
    `INSERT INTO datasets (name, kind, source, classes, height, width, channels, content_hash)
     VALUES ('d', 'cifar10', 's', '["a","b"]', 32, 32, 3, 'h')`,
  ).run();
  for (let i = 0; i < 3; i++)
    db.prepare("INSERT INTO images (dataset_id, split, idx, label, pixels) VALUES (1, 'test', ?, ?, x'00')").run(
      i,
      i % 2,
    );
  db.prepare(
    "INSERT INTO runs (id, dataset_id, dataset_hash, model, config, status) VALUES (1, 1, 'h', 'cnn', '{}', 'done')",
  ).run();
  db.prepare("INSERT INTO evaluations (id, run_id, samples, metrics) VALUES (1, 1, 1, '{}')").run();
  for (let i = 0; i < 3; i++)
    db.prepare(
      "INSERT INTO predictions (evaluation_id, idx, label, predicted, confidence, entropy, mutual_information, probabilities) VALUES (1, ?, ?, 1, 0.9, 0.1, ?, '[0.1,0.9]')",
    ).run(i, i % 2, i / 10);
  db.prepare("INSERT INTO annotations (dataset_hash, split, idx, note, run_id) VALUES ('h', 'test', 2, 'n', 1)").run();
  db.prepare(
    "INSERT INTO annotation_tags (dataset_hash, split, idx, tag) VALUES ('h', 'test', 2, 'interesting')",
  ).run();
  return db;
}

const map = (coords: number[]) => ({
  seed: 42,
  neighbours: 15,
  minDist: 0.1,
  epochs: 500,
  dim: 64,
  coords: Float32Array.from(coords),
  seconds: 1.5,
});

describe('013-run-maps and MapStore', () => {
  it('013-run-maps adds the maps table, keeping runs, evaluations and annotations; maps go with their run', () => {
    const db = before013();
    const snapshot = () =>
      ['runs', 'evaluations', 'predictions', 'annotations', 'annotation_tags'].map((t) =>
        db.prepare(`SELECT * FROM ${t}`).raw().all(),
      );
    const kept = snapshot();
    migrate(db, migrations.slice(0, 13));
    expect(schemaVersion(db)).toBe(13);
    expect(snapshot()).toEqual(kept);
    const store = new MapStore(db);
    expect(store.get(1)).toBeNull();
    // coords must hold 2 float32 per image
    expect(() =>
      db
        .prepare(
          "INSERT INTO run_maps (run_id, split, method, seed, params, dim, count, coords, seconds) VALUES (1, 'test', 'umap', 1, '{}', 2, 3, x'00', 0)",
        )
        .run(),
    ).toThrow(/CHECK/);
    store.put(1, 'test', map([0, 0, 0.5, 0.5, 1, 1]));
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(store.get(1)).toBeNull();
    db.close();
  });

  it('stores, replaces and reads a map, and colours it from an evaluation and the tags', () => {
    const db = before013();
    migrate(db, migrations.slice(0, 13));
    const store = new MapStore(db);
    const info = store.put(1, 'test', map([0, 0, 0.25, 0.5, 1, 1]));
    expect(info).toMatchObject({ runId: 1, method: 'umap', seed: 42, neighbours: 15, epochs: 500, dim: 64, count: 3 });
    expect(Array.from(store.get(1)!.coords)).toEqual([0, 0, 0.25, 0.5, 1, 1]);
    store.put(1, 'test', { ...map([1, 1, 0, 0, 0.5, 0.5]), seed: 7 });
    expect(store.get(1)!.info.seed).toBe(7);
    expect(Array.from(store.get(1)!.coords)).toEqual([1, 1, 0, 0, 0.5, 0.5]);
    expect(db.prepare('SELECT count(*) FROM run_maps').pluck().get()).toBe(1);
    const colours = store.colours({ id: 1, contentHash: 'h' }, 3, 1, null);
    expect(colours).toEqual({
      label: [0, 1, 0],
      predicted: [1, 1, 1],
      mutualInformation: [0, 0.1, 0.2],
      background: [null, null, null],
      tags: { interesting: [2] },
    });
    expect(store.colours({ id: 1, contentHash: 'h' }, 3, null, null).predicted).toEqual([null, null, null]);
    db.close();
  });
});
