import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../src/main/lab/store/database';
import { migrations } from '../../src/main/lab/store/migrations/index';

describe('migration 014-run-agents', () => {
  it('adds an empty agent to every run, keeping its epochs, owner and name, and receipts that go with their run', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const before = migrations.filter((m) => m.version < 14);
    migrate(db, before);
    db.prepare(
      `INSERT INTO datasets (name, kind, source, classes, height, width, channels, content_hash)
       VALUES ('d', 'cifar10', 's', '["a"]', 32, 32, 3, 'h')`,
    ).run();
    db.prepare(
      `INSERT INTO runs (dataset_id, dataset_hash, model, config, status, owner_pid, owner_host, name)
       VALUES (1, 'h', 'cnn', '{}', 'done', 42, 'here', 'mine')`,
    ).run();
    db.prepare(
      'INSERT INTO run_epochs (run_id, epoch, loss, accuracy, seconds, images_per_second) VALUES (1, 1, 0.5, 0.5, 1, 10)',
    ).run();
    migrate(db, migrations);
    expect(schemaVersion(db)).toBe(14);
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
});
