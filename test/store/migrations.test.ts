import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion, StoreError } from '../../src/main/lab/store/database';
import { migrations } from '../../src/main/lab/store/migrations/index';

/** The dataset the migration tests hang their runs on: 'd', content hash 'h', 32 × 32 × 3. */
function addDataset(db: Database.Database, classes = '["a"]'): void {
  db.prepare(
    `INSERT INTO datasets (name, kind, source, classes, height, width, channels, content_hash)
     VALUES ('d', 'cifar10', 's', ?, 32, 32, 3, 'h')`,
  ).run(classes);
}

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
    addDataset(db);
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

  it('002-runs creates runs, their epochs and checkpoints, deleted with the run', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 2));
    expect(schemaVersion(db)).toBe(2);
    const columns = db.prepare("SELECT name FROM pragma_table_info('runs')").pluck().all();
    expect(columns).toEqual(
      expect.arrayContaining(['dataset_hash', 'config', 'status', 'best_val_loss', 'test_accuracy']),
    );
    addDataset(db);
    const run = db.prepare(
      "INSERT INTO runs (dataset_id, dataset_hash, model, config, status) VALUES (?, 'h', 'cnn', ?, ?)",
    );
    run.run(1, '{}', 'done');
    // a run of an unknown dataset, an unknown status, a config that is not JSON: refused
    expect(() => run.run(99, '{}', 'done')).toThrow(/FOREIGN KEY/);
    expect(() => run.run(1, '{}', 'paused')).toThrow(/CHECK/);
    expect(() => run.run(1, 'not json', 'done')).toThrow(/CHECK/);
    const epoch = db.prepare(
      'INSERT INTO run_epochs (run_id, epoch, loss, accuracy, seconds, images_per_second) VALUES (1, ?, 0.5, 0.5, 1, 10)',
    );
    epoch.run(1);
    expect(() => epoch.run(1)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => epoch.run(0)).toThrow(/CHECK/);
    const checkpoint = db.prepare(
      "INSERT INTO checkpoints (run_id, kind, epoch, topology, weight_specs, weights) VALUES (1, ?, 1, '{}', '[]', x'00')",
    );
    checkpoint.run('best');
    checkpoint.run('last');
    expect(() => checkpoint.run('worst')).toThrow(/CHECK/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM run_epochs').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM checkpoints').pluck().get()).toBe(0);
    db.close();
  });

  it('003-evaluations keeps one prediction per image and evaluation, deleted with the run', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 3));
    expect(schemaVersion(db)).toBe(3);
    addDataset(db);
    db.prepare(
      "INSERT INTO runs (dataset_id, dataset_hash, model, config, status) VALUES (1, 'h', 'cnn', '{}', 'done')",
    ).run();
    const evaluation = db.prepare('INSERT INTO evaluations (run_id, samples, metrics) VALUES (?, ?, ?)');
    evaluation.run(1, 1, '{}');
    expect(() => evaluation.run(1, 0, '{}')).toThrow(/CHECK/);
    expect(() => evaluation.run(99, 1, '{}')).toThrow(/FOREIGN KEY/);
    const prediction = db.prepare(
      `INSERT INTO predictions (evaluation_id, idx, label, predicted, confidence, entropy, probabilities, boxplots)
       VALUES (1, ?, 0, 0, 1, 0, ?, ?)`,
    );
    prediction.run(0, '[1]', null);
    expect(() => prediction.run(0, '[1]', null)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => prediction.run(1, 'not json', null)).toThrow(/CHECK/);
    expect(() => prediction.run(1, '[1]', 'not json')).toThrow(/CHECK/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM evaluations').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM predictions').pluck().get()).toBe(0);
    db.close();
  });

  it('004-ensembles links member runs to their ensemble, and deletes them with it', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 3));
    addDataset(db);
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
    addDataset(db);
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

  it('006-evaluation-samples keeps one blob of samples per image and evaluation, deleted with the evaluation', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 5));
    addDataset(db);
    db.prepare(
      "INSERT INTO runs (dataset_id, dataset_hash, model, config, status) VALUES (1, 'h', 'vnn', '{}', 'done')",
    ).run();
    db.prepare("INSERT INTO evaluations (run_id, samples, metrics) VALUES (1, 2, '{}')").run();
    migrate(db, migrations.slice(0, 6));
    expect(schemaVersion(db)).toBe(6);
    const columns = db
      .prepare<[], { name: string; type: string; notnull: number; pk: number }>(
        'SELECT name, type, "notnull", pk FROM pragma_table_info(\'evaluation_samples\')',
      )
      .all();
    expect(columns).toEqual([
      { name: 'evaluation_id', type: 'INTEGER', notnull: 1, pk: 1 },
      { name: 'idx', type: 'INTEGER', notnull: 1, pk: 2 },
      { name: 'samples', type: 'BLOB', notnull: 1, pk: 0 },
    ]);
    const insert = db.prepare('INSERT INTO evaluation_samples (evaluation_id, idx, samples) VALUES (?, ?, ?)');
    insert.run(1, 0, Buffer.from([0, 0, 255, 255]));
    expect(() => insert.run(1, 0, Buffer.from([0, 0]))).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insert.run(1, 1, null)).toThrow(/NOT NULL/);
    expect(() => insert.run(1, -1, Buffer.from([0, 0]))).toThrow(/CHECK/);
    expect(() => insert.run(99, 0, Buffer.from([0, 0]))).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM evaluations WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM evaluation_samples').pluck().get()).toBe(0);
    db.close();
  });

  it("007-cases keeps annotations by content hash, their tags and history, and predictions' majority", () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 6));
    addDataset(db);
    db.prepare(
      "INSERT INTO runs (dataset_id, dataset_hash, model, config, status) VALUES (1, 'h', 'vnn', '{}', 'done')",
    ).run();
    db.prepare("INSERT INTO evaluations (run_id, samples, metrics) VALUES (1, 2, '{}')").run();
    db.prepare(
      "INSERT INTO predictions (evaluation_id, idx, label, predicted, confidence, entropy, probabilities) VALUES (1, 0, 0, 0, 0.9, 0.1, '[0.9]')",
    ).run();
    migrate(db, migrations.slice(0, 7));
    expect(schemaVersion(db)).toBe(7);
    // a prediction from before the migration has no majority
    expect(db.prepare('SELECT majority FROM predictions').pluck().get()).toBeNull();
    const annotate = db.prepare(
      "INSERT INTO annotations (dataset_hash, split, idx, note, run_id) VALUES ('h', 'test', ?, ?, ?)",
    );
    annotate.run(0, 'a note', 1);
    expect(() => annotate.run(0, 'again', null)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => annotate.run(1, 'x'.repeat(10_001), null)).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO annotations (dataset_hash, split, idx) VALUES ('h', 'val', 0)").run()).toThrow(
      /CHECK/,
    );
    const tag = db.prepare("INSERT INTO annotation_tags (dataset_hash, split, idx, tag) VALUES ('h', 'test', ?, ?)");
    tag.run(0, 'interesting');
    expect(() => tag.run(0, '  ')).toThrow(/CHECK/);
    expect(() => tag.run(5, 'orphan')).toThrow(/FOREIGN KEY/);
    // the annotation outlives its run (the run it is about becomes null) and its dataset
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT run_id FROM annotations').pluck().get()).toBeNull();
    db.prepare('DELETE FROM datasets').run();
    expect(db.prepare('SELECT count(*) FROM annotation_tags').pluck().get()).toBe(1);
    // tags go with their annotation
    db.prepare('DELETE FROM annotations').run();
    expect(db.prepare('SELECT count(*) FROM annotation_tags').pluck().get()).toBe(0);
    expect(() =>
      db
        .prepare(
          "INSERT INTO annotation_history (dataset_hash, split, idx, before) VALUES ('h', 'test', 0, 'not json')",
        )
        .run(),
    ).toThrow(/CHECK/);
    db.close();
  });

  it("008-run-owners records a run's owner and cancel request, empty for older runs", () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 7));
    addDataset(db);
    db.prepare(
      "INSERT INTO runs (dataset_id, dataset_hash, model, config, status) VALUES (1, 'h', 'cnn', '{}', 'running')",
    ).run();
    migrate(db, migrations.slice(0, 8));
    expect(schemaVersion(db)).toBe(8);
    expect(db.prepare('SELECT owner_pid, owner_host, owner_heartbeat, cancel_requested FROM runs').get()).toEqual({
      owner_pid: null,
      owner_host: null,
      owner_heartbeat: null,
      cancel_requested: 0,
    });
    expect(() => db.prepare('UPDATE runs SET cancel_requested = 2').run()).toThrow(/CHECK/);
    db.close();
  });

  it('009-run-leases gives every run a claim generation of 0, keeping its owner, epochs and annotations', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 8));
    addDataset(db);
    db.prepare(
      `INSERT INTO runs (dataset_id, dataset_hash, model, config, status, owner_pid, owner_host, owner_heartbeat)
       VALUES (1, 'h', 'cnn', '{}', 'running', 42, 'here', '2026-01-01T00:00:00.000Z')`,
    ).run();
    db.prepare(
      'INSERT INTO run_epochs (run_id, epoch, loss, accuracy, seconds, images_per_second) VALUES (1, 1, 0.5, 0.5, 1, 10)',
    ).run();
    db.prepare(
      "INSERT INTO annotations (dataset_hash, split, idx, note, run_id) VALUES ('h', 'test', 0, 'n', 1)",
    ).run();
    db.prepare("INSERT INTO annotation_tags (dataset_hash, split, idx, tag) VALUES ('h', 'test', 0, 'odd')").run();
    migrate(db, migrations.slice(0, 9));
    expect(schemaVersion(db)).toBe(9);
    expect(db.prepare('SELECT status, owner_pid, owner_host, owner_generation FROM runs').get()).toEqual({
      status: 'running',
      owner_pid: 42,
      owner_host: 'here',
      owner_generation: 0,
    });
    expect(db.prepare('SELECT count(*) FROM run_epochs').pluck().get()).toBe(1);
    expect(db.prepare('SELECT note FROM annotations').pluck().get()).toBe('n');
    expect(db.prepare('SELECT tag FROM annotation_tags').pluck().get()).toBe('odd');
    expect(() => db.prepare('UPDATE runs SET owner_generation = -1').run()).toThrow(/CHECK/);
    expect(() => db.prepare('UPDATE runs SET owner_generation = NULL').run()).toThrow(/NOT NULL/);
    db.close();
  });

  it('010-run-identity names and colours existing runs in id order, changing nothing else', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 9));
    addDataset(db);
    const insert = db.prepare(
      "INSERT INTO runs (id, dataset_id, dataset_hash, model, config, status, parent_id, test_accuracy) VALUES (?, 1, 'h', ?, '{}', 'done', ?, 0.5)",
    );
    // ids with gaps (deleted runs), an ensemble with two members, runs after it
    insert.run(2, 'cnn', null);
    insert.run(3, 'vnn', null);
    insert.run(5, 'ensemble', null);
    insert.run(6, 'cnn', 5);
    insert.run(7, 'cnn', 5);
    insert.run(9, 'mcdropout', null);
    for (let k = 10; k <= 14; k++) insert.run(k, 'cnn', null);
    db.prepare(
      'INSERT INTO run_epochs (run_id, epoch, loss, accuracy, seconds, images_per_second) VALUES (2, 1, 0.5, 0.5, 1, 10)',
    ).run();
    db.prepare(
      "INSERT INTO annotations (dataset_hash, split, idx, note, run_id) VALUES ('h', 'test', 0, 'n', 3)",
    ).run();
    const columns = (): string[] =>
      db
        .prepare("SELECT name FROM pragma_table_info('runs') WHERE name NOT IN ('name', 'colour')")
        .pluck()
        .all() as string[];
    const others = (): unknown[] => db.prepare(`SELECT ${columns().join(', ')} FROM runs ORDER BY id`).all();
    const before = others();
    migrate(db, migrations.slice(0, 10));
    expect(schemaVersion(db)).toBe(10);
    expect(db.prepare('SELECT id, name, colour FROM runs ORDER BY id').raw().all()).toEqual([
      [2, 'CNN #2', '#0072b2'],
      [3, 'VNN #3', '#d55e00'],
      [5, 'Deep ensemble #5', '#009e73'],
      [6, 'CNN #6 (member 1 of #5)', '#cc79a7'],
      [7, 'CNN #7 (member 2 of #5)', '#e69f00'],
      [9, 'MC dropout #9', '#cc79a7'],
      [10, 'CNN #10', '#e69f00'],
      [11, 'CNN #11', '#56b4e9'],
      [12, 'CNN #12', '#0072b2'],
      [13, 'CNN #13', '#d55e00'],
      [14, 'CNN #14', '#009e73'],
    ]);
    expect(others()).toEqual(before);
    expect(db.prepare('SELECT count(*) FROM run_epochs').pluck().get()).toBe(1);
    expect(db.prepare('SELECT note, run_id FROM annotations').raw().get()).toEqual(['n', 3]);
    expect(() => db.prepare("UPDATE runs SET colour = '#GGGGGG' WHERE id = 2").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE runs SET colour = '#0072B2' WHERE id = 2").run()).toThrow(/CHECK/);
    expect(() => db.prepare('UPDATE runs SET name = ? WHERE id = 2').run('x'.repeat(81))).toThrow(/CHECK/);
    db.close();
  });

  it("011-run-features keeps a run's float16 features per split, deleted with the run, changing nothing else", () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 10));
    addDataset(db);
    db.prepare(
      "INSERT INTO runs (id, dataset_id, dataset_hash, model, config, status) VALUES (1, 1, 'h', 'cnn', '{}', 'done')",
    ).run();
    db.prepare(
      "INSERT INTO annotations (dataset_hash, split, idx, note, run_id) VALUES ('h', 'test', 0, 'n', 1)",
    ).run();
    const before = db.prepare('SELECT * FROM runs').all();
    migrate(db, migrations.slice(0, 11));
    expect(schemaVersion(db)).toBe(11);
    expect(db.prepare('SELECT * FROM runs').all()).toEqual(before);
    expect(db.prepare('SELECT note, run_id FROM annotations').raw().get()).toEqual(['n', 1]);
    const insert = db.prepare(
      'INSERT INTO run_features (run_id, split, layer, dim, count, vectors) VALUES (?, ?, ?, ?, ?, ?)',
    );
    insert.run(1, 'train', 'dense_2', 2, 3, Buffer.alloc(12));
    expect(() => insert.run(1, 'train', 'dense_2', 2, 3, Buffer.alloc(12))).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insert.run(1, 'val', 'dense_2', 2, 3, Buffer.alloc(12))).toThrow(/CHECK/);
    expect(() => insert.run(1, 'test', 'dense_2', 2, 3, Buffer.alloc(10))).toThrow(/CHECK/);
    expect(() => insert.run(1, 'test', 'dense_2', 0, 0, Buffer.alloc(0))).toThrow(/CHECK/);
    expect(() => insert.run(99, 'test', 'dense_2', 1, 1, Buffer.alloc(2))).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM run_features').pluck().get()).toBe(0);
    db.close();
  });

  it("012-train-label-checks keeps each training image's neighbour labels per run, deleted with the run", () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 11));
    addDataset(db);
    db.prepare(
      "INSERT INTO runs (id, dataset_id, dataset_hash, model, config, status) VALUES (1, 1, 'h', 'cnn', '{}', 'done')",
    ).run();
    db.prepare(
      "INSERT INTO run_features (run_id, split, layer, dim, count, vectors) VALUES (1, 'train', 'l', 1, 1, x'0000')",
    ).run();
    migrate(db, migrations.slice(0, 12));
    expect(schemaVersion(db)).toBe(12);
    expect(db.prepare('SELECT count(*) FROM run_features').pluck().get()).toBe(1);
    const insert = db.prepare(
      'INSERT INTO train_label_checks (run_id, idx, label, k, other, majority, majority_count, nearest_other) VALUES (?, ?, 0, 8, ?, ?, ?, ?)',
    );
    insert.run(1, 0, 8, 1, 8, 0);
    insert.run(1, 1, 0, null, 0, null);
    expect(() => insert.run(1, 0, 1, 1, 1, 0.5)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insert.run(1, 2, 9, 1, 1, 0.5)).toThrow(/CHECK/); // more than k
    expect(() => insert.run(1, 2, 2, null, 0, 0.5)).toThrow(/CHECK/); // others without their label
    expect(() => insert.run(1, 2, 2, 1, 3, 0.5)).toThrow(/CHECK/); // a majority larger than the others
    expect(() => insert.run(1, 2, 2, 1, 2, null)).toThrow(/CHECK/); // others without their distance
    expect(() => insert.run(1, 2, 2, 1, 2, 2.5)).toThrow(/CHECK/); // not a cosine distance
    expect(() => insert.run(99, 2, 0, null, 0, null)).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM train_label_checks').pluck().get()).toBe(0);
    db.close();
  });

  it('014-background-tests adds the background tests, deleted with their run or evaluation, and keeps every run', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const before = migrations.filter((m) => m.version < 14);
    migrate(db, before);
    addDataset(db, '["a","b"]');
    for (const id of [1, 2])
      db.prepare(
        "INSERT INTO runs (id, dataset_id, dataset_hash, model, config, status) VALUES (?, 1, 'h', 'cnn', '{}', 'done')",
      ).run(id);
    db.prepare("INSERT INTO evaluations (id, run_id, samples, metrics) VALUES (1, 1, 1, '{}'), (2, 2, 1, '{}')").run();
    const runs = () => db.prepare('SELECT id, name, colour FROM runs ORDER BY id').raw().all();
    const kept = runs();
    migrate(
      db,
      migrations.filter((m) => m.version <= 14),
    );
    expect(schemaVersion(db)).toBe(14);
    expect(runs()).toEqual(kept);
    const test = db.prepare(
      "INSERT INTO background_tests (run_id, evaluation_id, samples, summary) VALUES (?, ?, 1, '{}')",
    );
    test.run(1, 1);
    test.run(2, 2);
    const image = db.prepare(
      `INSERT INTO background_images (test_id, idx, label, predicted, dependence, centre_dependence, flips, flipped_to, probabilities)
       VALUES (?, ?, 0, 0, ?, 0, ?, NULL, '[[1,0]]')`,
    );
    image.run(1, 0, 0.5, 1);
    image.run(2, 0, 0.1, 0);
    expect(() => image.run(1, 0, 0.5, 0)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => image.run(1, 1, -0.1, 0)).toThrow(/CHECK/);
    expect(() => image.run(1, 2, 0.1, 2)).toThrow(/CHECK/);
    expect(() => test.run(1, 99)).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    db.prepare('DELETE FROM evaluations WHERE id = 2').run();
    expect(db.prepare('SELECT count(*) FROM background_tests').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM background_images').pluck().get()).toBe(0);
    db.close();
  });

  it('016-run-agents adds an empty agent to every run, keeping its epochs, owner and name, and receipts that go with their run', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const before = migrations.filter((m) => m.version < 16);
    migrate(db, before);
    addDataset(db);
    db.prepare(
      `INSERT INTO runs (dataset_id, dataset_hash, model, config, status, owner_pid, owner_host, name)
       VALUES (1, 'h', 'cnn', '{}', 'done', 42, 'here', 'mine')`,
    ).run();
    db.prepare(
      'INSERT INTO run_epochs (run_id, epoch, loss, accuracy, seconds, images_per_second) VALUES (1, 1, 0.5, 0.5, 1, 10)',
    ).run();
    migrate(db, migrations);
    expect(schemaVersion(db)).toBe(16);
    expect(db.prepare('SELECT name, owner_pid, agent FROM runs').get()).toEqual({
      name: 'mine',
      owner_pid: 42,
      agent: null,
    });
    expect(db.prepare('SELECT count(*) FROM run_epochs').pluck().get()).toBe(1);
    db.prepare("UPDATE runs SET agent = 'gpu-box'").run();
    expect(() => db.prepare("UPDATE runs SET agent = ''").run()).toThrow(/CHECK/);
    db.prepare("INSERT INTO agent_receipts (job_key, run_id) VALUES ('evaluate-1-1', 1)").run();
    expect(() => db.prepare("INSERT INTO agent_receipts (job_key, run_id) VALUES ('evaluate-1-1', 1)").run()).toThrow(
      /UNIQUE/,
    );
    db.prepare('DELETE FROM runs').run();
    expect(db.prepare('SELECT count(*) FROM agent_receipts').pluck().get()).toBe(0);
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

  it('015-shown-explanations keeps every explanation and shows the newest until a pick, only of the run', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, 14));
    addDataset(db);
    const run = db.prepare(
      "INSERT INTO runs (id, dataset_id, dataset_hash, model, config, status) VALUES (?, 1, 'h', 'cnn', '{}', 'done')",
    );
    run.run(1);
    run.run(2);
    const explain = db.prepare(
      "INSERT INTO explanations (id, run_id, method, layer, samples, summary) VALUES (?, ?, 'gradcam', 'c', 1, '{}')",
    );
    explain.run(1, 1);
    explain.run(2, 1);
    explain.run(3, 2);
    const before = db.prepare('SELECT * FROM explanations ORDER BY id').all();
    migrate(db, migrations.slice(0, 15));
    expect(schemaVersion(db)).toBe(15);
    expect(db.prepare('SELECT * FROM explanations ORDER BY id').all()).toEqual(before);
    // no pick for existing runs: they go on showing their newest
    expect(db.prepare('SELECT count(*) FROM shown_explanations').pluck().get()).toBe(0);
    const pick = db.prepare('INSERT OR REPLACE INTO shown_explanations (run_id, explanation_id) VALUES (?, ?)');
    pick.run(1, 1);
    expect(() => pick.run(1, 3)).toThrow(/one of the run's own/);
    expect(() => db.prepare('UPDATE shown_explanations SET explanation_id = 3 WHERE run_id = 1').run()).toThrow(
      /one of the run's own/,
    );
    // deleting the picked explanation drops the pick; deleting the run too
    db.prepare('DELETE FROM explanations WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM shown_explanations').pluck().get()).toBe(0);
    pick.run(1, 2);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM shown_explanations').pluck().get()).toBe(0);
    db.close();
  });
});
