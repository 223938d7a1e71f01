/**
 * A run set's per-image rows, computed once and kept for the connection: one TEMP table per run
 * set (`CaseSql.rowColumns`: the means, outcomes, disagreement and finder scores of each image)
 * with an index per sort in use, so a page walks an index instead of joining every run's
 * predictions onto every image and sorting them all. Its content is a function of stored rows
 * that never change (a run's evaluation and explanation, the dataset's labels), keyed by their
 * ids and times of creation: a new evaluation or explanation is a new key, never a stale table.
 * Annotations change all the time and are never copied here; queries join them live.
 *
 * TEMP tables live in the connection's own temporary database: building one takes no lock on the
 * study, so it works while another process writes. A rolled-back transaction that created one
 * removes it; the next query finds it missing and builds it again.
 */
import type { CaseSort } from '../../../../shared/contract';
import type { Db } from '../database';
import type { RunSet } from './run-set';
import type { CaseSql, Params } from './sql';

/** Sidebar counts of the prediction-only part of a filter: one row per group. */
export interface CaseGroup {
  label: number;
  wrong: number;
  right: number;
  disagree: number;
  /** Wrong in some but not all seeds of a seed group (0/1). */
  unstable: number;
  n: number;
}

export interface CaseRows {
  /** The TEMP table, `temp.case_rows_<n>`. */
  table: string;
  /** The groups of a filter's prediction-only part (they never change), by its SQL and values. */
  groups: Map<string, CaseGroup[]>;
}

/** Run sets kept per connection, least recently used dropped first. */
const KEEP = 4;
/** Filters whose groups are kept per run set. */
const KEEP_GROUPS = 32;

interface Cache {
  next: number;
  sets: Map<string, CaseRows>;
}

const caches = new WeakMap<Db, Cache>();

/** The identity of a run set's rows: the dataset's content and where each run's values come from. */
export function runSetKey(set: RunSet): string {
  return [`${set.dataset.id}:${set.dataset.contentHash}`, ...set.runs.map((r) => r.version)].join('|');
}

/** The run set's rows, built on first use. */
export function caseRows(db: Db, sql: CaseSql): CaseRows {
  let cache = caches.get(db);
  if (!cache) {
    cache = { next: 1, sets: new Map() };
    caches.set(db, cache);
  }
  const key = runSetKey(sql.set);
  const kept = cache.sets.get(key);
  cache.sets.delete(key);
  if (kept && tableExists(db, kept.table)) {
    cache.sets.set(key, kept); // now the most recently used
    return kept;
  }
  const rows: CaseRows = { table: `temp.case_rows_${cache.next++}`, groups: new Map() };
  build(db, sql, rows.table);
  cache.sets.set(key, rows);
  for (const [oldKey, old] of cache.sets) {
    if (cache.sets.size <= KEEP) break;
    cache.sets.delete(oldKey);
    db.exec(`DROP TABLE IF EXISTS ${old.table}`);
  }
  return rows;
}

function tableExists(db: Db, table: string): boolean {
  const name = table.replace(/^temp\./, '');
  return db.prepare("SELECT 1 FROM temp.sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function build(db: Db, sql: CaseSql, table: string): void {
  const columns = sql.rowColumns;
  const definitions = columns.map((c) => (c.name === 'idx' ? 'idx INTEGER PRIMARY KEY' : `${c.name} ${c.type}`));
  db.transaction(() => {
    db.exec(`CREATE TABLE ${table} (${definitions.join(', ')})`);
    db.prepare<[Params]>(`INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) ${sql.rowsSelect()}`).run(
      sql.params,
    );
  })();
}

/** What a sort orders by, before the index (which breaks ties, ascending). */
const SORT_KEYS: Record<CaseSort, readonly string[]> = {
  index: [],
  confidence: ['confidence'],
  entropy: ['entropy'],
  mi: ['mi'],
  variation: ['variation'],
  background: ['background'],
  dependence: ['dependence'],
  disagreement: ['disagreement', 'entropy'],
};

/** Columns the sort indexes carry so that the outcome and class filters are read from the index alone. */
const COVERED = ['label', 'wrong', 'right', 'disagree', 'unstable'];

/**
 * The ORDER BY of a sort over rows `c` (each key in `direction`, NULLs last; ties by index,
 * ascending), after making sure an index gives rows in that order.
 */
export function orderBy(db: Db, rows: CaseRows, sort: CaseSort, direction: 'ASC' | 'DESC'): string {
  const keys = SORT_KEYS[sort];
  if (keys.length === 0) return `c.idx ${direction}`; // the table's own order
  const terms = keys.flatMap((key) => [`(${key} IS NULL)`, `${key} ${direction}`]);
  const name = `${rows.table}_by_${sort}_${direction.toLowerCase()}`;
  const table = rows.table.replace(/^temp\./, '');
  db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${[...terms, 'idx', ...COVERED].join(', ')})`);
  return [...keys.flatMap((key) => [`(c.${key} IS NULL)`, `c.${key} ${direction}`]), 'c.idx'].join(', ');
}

/** A filter's groups: read once per run set and filter, then kept. */
export function groupsOf(db: Db, rows: CaseRows, where: readonly string[], params: Params): CaseGroup[] {
  const key = JSON.stringify([where, params]);
  const kept = rows.groups.get(key);
  if (kept) return kept;
  const groups = db
    .prepare<[Params], CaseGroup>(
      `SELECT label, wrong, right, disagree, (unstable > 0) AS unstable, count(*) AS n FROM ${rows.table} c
        WHERE ${where.length === 0 ? '1' : where.join(' AND ')}
        GROUP BY label, wrong, right, disagree, (unstable > 0)`,
    )
    .all(params);
  if (rows.groups.size >= KEEP_GROUPS) rows.groups.delete(rows.groups.keys().next().value ?? '');
  rows.groups.set(key, groups);
  return groups;
}
