import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrations, type Migration } from './migrations/index';
import { DatabaseBusyError, isBusy } from './busy';
import { sqliteBinding } from './native-binding';

export type Db = Database.Database;

export class StoreError extends Error {
  override name = 'StoreError';
}

/**
 * Opens (creating if needed) a study database: WAL journal, foreign keys on, and every pending
 * migration applied, each in its own transaction so a failure leaves the previous version intact.
 * The native module is the build made for this runtime (Node's or Electron's: ./native-binding).
 * Another process holding the write lock past `busyTimeoutMs` (10 s) gives "the database is busy".
 */
export function openDatabase(file: string, options: { readonly?: boolean; busyTimeoutMs?: number } = {}): Db {
  const nativeBinding = sqliteBinding(); // throws one sentence when this runtime has no build
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
      nativeBinding,
    });
  } catch (error) {
    throw new StoreError(`cannot open database ${file}: ${(error as Error).message}`);
  }
  try {
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    if (!options.readonly) {
      if (file !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, migrations, file);
    }
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    // another process held the lock through the wait (a migration or WAL switch needs it)
    if (isBusy(error)) throw new DatabaseBusyError();
    throw new StoreError(`${file} is not a usable Casebook database: ${(error as Error).message}`);
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies the migrations newer than the database's `user_version`, in order. */
export function migrate(db: Db, all: readonly Migration[], label = 'database'): void {
  const current = schemaVersion(db);
  const newest = all.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new StoreError(
      `${label} has schema version ${current}, newer than this Casebook understands (${newest}); update Casebook`,
    );
  }
  for (const migration of all) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

/** Sets how long SQLite waits for another process's write lock before SQLITE_BUSY. */
export function setBusyTimeout(db: Db, ms: number): void {
  db.pragma(`busy_timeout = ${ms}`);
}

/** The rows this connection has changed so far (SQLite's total_changes()), as a reader. */
export function totalChanges(db: Db): () => number {
  const statement = db.prepare<[], number>('SELECT total_changes()').pluck();
  return () => statement.get() ?? 0;
}
