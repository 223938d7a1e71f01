import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion, StoreError } from '../../src/main/lab/store/database';
import { migrations } from '../../src/main/lab/store/migrations/index';

describe('migrations', () => {
  it('are numbered 1, 2, 3, … without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('001-datasets creates datasets and images with their constraints', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 1));
    expect(schemaVersion(db)).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['datasets', 'images']));
    db.prepare(
      `INSERT INTO datasets (name, kind, source, classes, height, width, channels, content_hash)
       VALUES ('d', 'cifar10', 's', '["a"]', 32, 32, 3, 'h')`,
    ).run();
    // a second dataset with the same content hash is refused
    expect(() =>
      db
        .prepare(
          `INSERT INTO datasets (name, kind, source, classes, height, width, channels, content_hash)
         VALUES ('d2', 'folder', 's', '["a"]', 32, 32, 3, 'h')`,
        )
        .run(),
    ).toThrow(/UNIQUE/);
    // an image of an unknown dataset is refused
    expect(() =>
      db.prepare("INSERT INTO images (dataset_id, split, idx, label, pixels) VALUES (99, 'train', 0, 0, x'00')").run(),
    ).toThrow(/FOREIGN KEY/);
    // a bad split is refused
    expect(() =>
      db.prepare("INSERT INTO images (dataset_id, split, idx, label, pixels) VALUES (1, 'val', 0, 0, x'00')").run(),
    ).toThrow(/CHECK/);
    db.close();
  });

  it('004-ensembles links member runs to their ensemble, and deletes them with it', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 3));
    db.prepare(
      `INSERT INTO datasets (name, kind, source, classes, height, width, channels, content_hash)
       VALUES ('d', 'cifar10', 's', '["a"]', 32, 32, 3, 'h')`,
    ).run();
    const insert = db.prepare(
      "INSERT INTO runs (dataset_id, dataset_hash, model, config, status) VALUES (1, 'h', ?, '{}', 'done')",
    );
    insert.run('cnn'); // a run from before the migration
    migrate(db, migrations.slice(0, 4));
    expect(schemaVersion(db)).toBe(4);
    expect(db.prepare('SELECT parent_id FROM runs WHERE id = 1').pluck().get()).toBeNull();
    insert.run('ensemble');
    db.prepare(
      "INSERT INTO runs (dataset_id, dataset_hash, model, config, status, parent_id) VALUES (1, 'h', 'cnn', '{}', 'done', 2)",
    ).run();
    expect(() =>
      db
        .prepare(
          "INSERT INTO runs (dataset_id, dataset_hash, model, config, status, parent_id) VALUES (1, 'h', 'cnn', '{}', 'done', 99)",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM runs WHERE id = 2').run();
    expect(db.prepare('SELECT id FROM runs').pluck().all()).toEqual([1]);
    db.close();
  });

  it('005-explanations keeps one row of maps per image and explanation, deleted with the run', () => {
    const db = openDatabase(':memory:');
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(5);
    db.prepare(
      `INSERT INTO datasets (name, kind, source, classes, height, width, channels, content_hash)
       VALUES ('d', 'cifar10', 's', '["a"]', 32, 32, 3, 'h')`,
    ).run();
    db.prepare(
      "INSERT INTO runs (dataset_id, dataset_hash, model, config, status) VALUES (1, 'h', 'cnn', '{}', 'done')",
    ).run();
    db.prepare(
      "INSERT INTO explanations (run_id, method, layer, samples, summary) VALUES (1, 'gradcam', 'c', 1, '{}')",
    ).run();
    const image = db.prepare(
      "INSERT INTO explanation_images (explanation_id, idx, label, predicted, probability, map) VALUES (1, ?, 0, 0, 0.5, x'00000000')",
    );
    image.run(0);
    expect(() => image.run(0)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() =>
      db
        .prepare("INSERT INTO explanations (run_id, method, layer, samples, summary) VALUES (1, 'lime', 'c', 1, '{}')")
        .run(),
    ).toThrow(/CHECK/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM explanation_images').pluck().get()).toBe(0);
    db.close();
  });

  it('runs each migration once: reopening a database changes nothing', () => {
    const db = openDatabase(':memory:');
    const version = schemaVersion(db);
    migrate(db, migrations);
    expect(schemaVersion(db)).toBe(version);
    db.close();
  });

  it('refuses a database newer than this build', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 999');
    expect(() => migrate(db, migrations, 'study.db')).toThrow(StoreError);
    expect(() => migrate(db, migrations, 'study.db')).toThrow(/study\.db has schema version 999/);
    db.close();
  });

  it('a failing migration leaves the database at the previous version', () => {
    const db = new Database(':memory:');
    const broken = [
      ...migrations.slice(0, 1),
      {
        version: 2,
        name: 'broken',
        up: (d: Database.Database) => d.exec('CREATE TABLE t (x); SELECT * FROM nowhere;'),
      },
    ];
    expect(() => migrate(db, broken)).toThrow(/nowhere/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 't'").pluck().get()).toBe(0);
    db.close();
  });

  it('names the file when it is not a database', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'cb-')), 'not-a.db');
    writeFileSync(file, 'this is plain text, not SQLite '.repeat(100));
    expect(() => openDatabase(file)).toThrow(
      new RegExp(`${file.replace(/[.]/g, '\\.')}.*not a (usable Casebook )?database`),
    );
  });
});
