import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventName, EventPayload } from '../../src/shared/contract';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import type { Db } from '../../src/main/lab/store/database';
import type { Stores } from '../../src/main/lab/store/index';

export function tempDir(prefix = 'casebook-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RecordedEvent {
  name: EventName;
  payload: EventPayload<EventName>;
}

/** A lab on a fresh database file, running jobs in-process, recording every event it emits. */
export function testLab(): { lab: Lab; events: RecordedEvent[]; dir: string; rendererDir: string } {
  const dir = tempDir();
  const rendererDir = join(dir, 'renderer');
  const events: RecordedEvent[] = [];
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Casebook test page</title>');
  const lab = new Lab({
    databasePath: join(dir, 'study.db'),
    mode: 'browser',
    version: 'test',
    launch: inProcessLauncher,
    emit: (name, payload) => events.push({ name, payload }),
  });
  return { lab, events, dir, rendererDir };
}

/**
 * A Lab's private stores and connection, for tests that set up or inspect what a worker or another
 * process would write. Doors never do this: they ask the Lab (`dispatch`, `request`).
 */
export function storesOf(lab: Lab): Stores & { db: Db } {
  const internals = lab as unknown as { stores: Stores; db: Db };
  return { ...internals.stores, db: internals.db };
}
