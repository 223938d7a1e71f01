import type Database from 'better-sqlite3';
import {
  defaultRunName,
  memberColour,
  MODEL_LABELS,
  nextRunColour,
  type ModelFamily,
} from '../../../../shared/contract';
import type { Migration } from './index';

/**
 * A run's name and colour, stored with it (until now a run was named by its model and id and
 * coloured by its place in a list). Existing runs get the names new runs get ("CNN #3", "CNN #7
 * (member 2 of #5)") and the palette's colours in turn in id order, as if each had been
 * created with them; nothing else changes. (The column's default '' only fills the rows this
 * migration names; RunStore names every run it creates.)
 */
export const runIdentity: Migration = {
  version: 10,
  name: 'run-identity',
  up: (db) => {
    db.exec(`
      ALTER TABLE runs ADD COLUMN name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 80);
      ALTER TABLE runs ADD COLUMN colour TEXT NOT NULL DEFAULT '#0072b2'
        CHECK (length(colour) = 7 AND colour GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]');
    `);
    assignIdentities(db);
  },
};

/** Names and colours runs in id order as `RunStore.create` does. */
function assignIdentities(db: Database.Database): void {
  const runs = db
    .prepare<[], { id: number; model: ModelFamily; parent_id: number | null }>(
      'SELECT id, model, parent_id FROM runs ORDER BY id',
    )
    .all();
  const update = db.prepare<[string, string, number]>('UPDATE runs SET name = ?, colour = ? WHERE id = ?');
  const colours = new Map<number, string>();
  const members = new Map<number, number>();
  const previous: string[] = [];
  for (const run of runs) {
    const label = MODEL_LABELS[run.model] ?? run.model;
    if (run.parent_id === null) {
      const colour = nextRunColour(previous);
      previous.unshift(colour);
      colours.set(run.id, colour);
      update.run(defaultRunName(label, run.id), colour, run.id);
    } else {
      const index = (members.get(run.parent_id) ?? 0) + 1;
      members.set(run.parent_id, index);
      const colour = memberColour(colours.get(run.parent_id) ?? '', index);
      update.run(defaultRunName(label, run.id, { index, ensembleId: run.parent_id }), colour, run.id);
    }
  }
}
