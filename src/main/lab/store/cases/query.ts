/** Case lists: filters, sorts, pages and sidebar counts, all in SQL over the run set's rows. */
import type { z } from 'zod';
import type {
  CaseCounts,
  CaseFilter,
  CasePage,
  CaseRunResult,
  CaseSummary,
  ListCasesRequest,
} from '../../../../shared/contract';
import { BadRequestError } from '../../errors';
import { backgroundResult } from '../background';
import type { Db } from '../database';
import { caseRows, groupsOf, orderBy, type CaseGroup, type CaseRows } from './rows';
import type { RunSet } from './run-set';
import { CaseSql, runValue, type CaseRow, type Params, type RunColumn } from './sql';

export type ListArgs = z.output<typeof ListCasesRequest>;
type Filter = z.output<typeof CaseFilter>;

/**
 * A filter as conditions over a run set's rows `c` (./rows.ts): `where`, on the runs' values
 * alone, and `annotated`, on the image's tags and note (read live: they change).
 */
export function filterSql(
  sql: CaseSql,
  filter: Filter,
): { where: string[]; annotated: string[]; params: Params; outcome: string | null } {
  const where: string[] = [];
  const annotated: string[] = [];
  const params: Params = {};
  const { classes } = sql.set.dataset;
  if (filter.trueClass !== undefined) {
    if (filter.trueClass >= classes.length)
      throw new BadRequestError(
        `filter.trueClass: class ${filter.trueClass} does not exist (${classes.length} classes)`,
      );
    where.push('c.label = @trueClass');
    params.trueClass = filter.trueClass;
  }
  for (const [n, { runId, class: k }] of filter.predicted.entries()) {
    const j = sql.set.runs.findIndex((r) => r.run.id === runId);
    if (j < 0) throw new BadRequestError(`filter.predicted: run ${runId} is not among the listed runs`);
    if (k >= classes.length) throw new BadRequestError(`filter.predicted: class ${k} does not exist`);
    where.push(`c.p${j} = @pred${n}`);
    params[`pred${n}`] = k;
  }
  // the outcome's own condition, which the outcome facet's counts leave out
  const outcome =
    filter.outcome === 'wrong' || filter.outcome === 'right' || filter.outcome === 'disagree'
      ? `c.${filter.outcome}`
      : filter.outcome === 'unstable'
        ? 'c.unstable > 0'
        : null;
  if (outcome !== null) where.push(outcome);
  if (filter.indices !== undefined) {
    where.push('c.idx IN (SELECT value FROM json_each(@indices))');
    params.indices = JSON.stringify(filter.indices);
  }
  if (filter.region !== undefined)
    throw new BadRequestError('filter.region: a map region must be resolved to its images first (CaseService)');
  if (filter.tag !== undefined) {
    annotated.push(`c.idx IN (SELECT t.idx FROM annotation_tags t
                    WHERE t.dataset_hash = @hash AND t.tag = @tag AND t.split = 'test')`);
    params.tag = filter.tag;
  }
  if (filter.hasNote !== undefined)
    annotated.push(
      `c.idx ${filter.hasNote ? '' : 'NOT '}IN (SELECT n.idx FROM annotations n
                    WHERE n.dataset_hash = @hash AND n.split = 'test' AND n.note <> '')`,
    );
  return { where, annotated, params, outcome };
}

export function listCases(db: Db, set: RunSet, args: ListArgs): CasePage {
  const sql = new CaseSql(set);
  const rows = caseRows(db, sql);
  const { where, params, outcome } = filterSql(sql, args.filter);
  const all = { ...sql.params, ...params };
  // the page's indices, then its rows in full
  const page = db
    .prepare<[Params & { limit: number; offset: number }], number>(pageSql(db, sql, rows, args))
    .pluck()
    .all({ ...all, limit: args.limit, offset: args.offset });
  const counts = countCases(db, sql, rows, args.filter, { where, outcome }, all);
  return { total: counts.total, items: readCases(db, sql, page), counts };
}

/**
 * The SELECT of a page's indices (`@limit`, `@offset`) over the run set's rows: it walks the
 * sort's index (made here on first use), reading the outcome and class filters from the index.
 */
export function pageSql(db: Db, sql: CaseSql, rows: CaseRows, args: Omit<ListArgs, 'runs'>): string {
  const { where, annotated } = filterSql(sql, args.filter);
  const direction = (args.order ?? (args.sort === 'index' ? 'asc' : 'desc')) === 'asc' ? 'ASC' : 'DESC';
  const conditions = [...where, ...annotated];
  return `SELECT c.idx FROM ${rows.table} c
       WHERE ${conditions.length === 0 ? '1' : conditions.join('\n AND ')}
       ORDER BY ${orderBy(db, rows, args.sort, direction)}
       LIMIT @limit OFFSET @offset`;
}

/** The full rows of the given images, in the given order. */
export function readCases(db: Db, sql: CaseSql, indices: readonly number[]): CaseSummary[] {
  if (indices.length === 0) return [];
  const rows = db
    .prepare<[Params], CaseRow>(
      `SELECT ${sql.columns}
       FROM json_each(@indices) k
       CROSS JOIN images i ON i.dataset_id = @dataset AND i.split = 'test' AND i.idx = k.value
       ${sql.joins}
       WHERE ${sql.base}`,
    )
    .raw()
    .all({ ...sql.params, indices: JSON.stringify(indices) });
  const byIndex = new Map(rows.map((row) => [row[0], row]));
  return indices.flatMap((index) => {
    const row = byIndex.get(index);
    return row ? [caseSummary(sql.set, row)] : [];
  });
}

interface AnnotatedRow extends Omit<CaseGroup, 'n'> {
  noted: number;
  tags: string | null;
}

/**
 * The sidebar counts of a filtered list. The groups of the filter's prediction-only part are
 * read once per run set (./rows.ts); what depends on tags and notes is read from the annotated
 * images alone, so a page costs what the annotations cost, not what the test set does. Every
 * facet counts the filtered images, except the outcome facet, which counts without the outcome
 * filter itself (as FiftyOne counts a field's values): with "wrong" chosen, "right in every run"
 * still says how many images choosing it would show.
 */
function countCases(
  db: Db,
  sql: CaseSql,
  rows: CaseRows,
  filter: Filter,
  conditions: { where: string[]; outcome: string | null },
  params: Params,
): CaseCounts {
  const where = conditions.where.filter((clause) => clause !== conditions.outcome);
  const { outcome } = filter;
  const chosen = (g: Omit<CaseGroup, 'n'>): boolean =>
    outcome === 'any' || outcome === undefined ? true : Boolean(g[outcome]);
  const annotatedRows = db
    .prepare<[Params], AnnotatedRow>(
      `SELECT c.label AS label, c.wrong AS wrong, c.right AS right, c.disagree AS disagree,
              (c.unstable > 0) AS unstable, (a.note <> '') AS noted,
              (SELECT group_concat(t.tag, char(31)) FROM annotation_tags t
                WHERE t.dataset_hash = a.dataset_hash AND t.split = a.split AND t.idx = a.idx) AS tags
         FROM annotations a CROSS JOIN ${rows.table} c ON c.idx = a.idx
        WHERE a.dataset_hash = @hash AND a.split = 'test'${where.map((w) => ` AND ${w}`).join('')}`,
    )
    .all(params)
    .map((row) => ({ ...row, tagList: row.tags === null ? [] : row.tags.split('\u001f') }));
  const matches = (row: { noted: number; tagList: string[] }) =>
    (filter.tag === undefined || row.tagList.includes(filter.tag)) &&
    (filter.hasNote === undefined || Boolean(row.noted) === filter.hasNote);
  const annotated = annotatedRows.filter(matches);
  const shown = annotated.filter(chosen);
  const { classes } = sql.set.dataset;
  const counts: CaseCounts = {
    total: 0,
    any: 0,
    trueClass: Object.fromEntries(classes.map((name) => [name, 0])),
    wrong: 0,
    right: 0,
    disagree: 0,
    unstable: 0,
    noted: shown.filter((row) => row.noted).length,
    tags: {},
  };
  const add = (g: Omit<CaseGroup, 'n'>, n: number) => {
    counts.any += n;
    if (g.wrong) counts.wrong += n;
    if (g.right) counts.right += n;
    if (g.disagree) counts.disagree += n;
    if (g.unstable) counts.unstable += n;
    if (!chosen(g)) return;
    counts.total += n;
    const name = classes[g.label] ?? `#${g.label}`;
    counts.trueClass[name] = (counts.trueClass[name] ?? 0) + n;
  };
  if (filter.tag !== undefined || filter.hasNote === true) {
    // only annotated images can match
    for (const row of annotated) add(row, 1);
  } else {
    for (const g of groupsOf(db, rows, where, params)) add(g, g.n);
    // without a note: every image of the groups but the noted ones
    if (filter.hasNote === false) for (const row of annotatedRows) if (row.noted) add(row, -1);
  }
  const tags = new Map<string, number>();
  for (const row of shown) for (const tag of row.tagList) tags.set(tag, (tags.get(tag) ?? 0) + 1);
  counts.tags = Object.fromEntries([...tags].sort(([a], [b]) => a.localeCompare(b)));
  return counts;
}

/** A selected row as a case summary: one entry per run that evaluated the image. */
export function caseSummary(set: RunSet, row: CaseRow): CaseSummary {
  const { classes } = set.dataset;
  const [index, label, note, tags] = row as [number, number, string, string | null];
  const runs: CaseRunResult[] = [];
  set.runs.forEach((r, j) => {
    const value = (name: RunColumn) => runValue(row, j, name);
    if (value('idx') === null) return;
    const predicted = value('predicted') as number;
    runs.push({
      runId: r.run.id,
      model: r.run.model,
      runLabel: r.label,
      runColour: r.run.colour,
      group: r.run.group,
      predicted,
      predictedClass: classes[predicted] ?? `#${predicted}`,
      correct: predicted === label,
      confidence: value('confidence') as number,
      probabilities: JSON.parse(value('probabilities') as string) as number[],
      entropy: value('entropy') as number,
      mutualInformation: value('mutual_information') as number | null,
      variationRatio: value('variation_ratio') as number | null,
      majority: value('majority') as number | null,
      background: value('background') as number | null,
      samples: r.samples,
      backgroundTest:
        value('dependence') === null
          ? null
          : backgroundResult({
              predicted,
              dependence: value('dependence') as number,
              centre_dependence: value('centre_dependence') as number,
              flips: value('flips') as number,
              flipped_to: value('flipped_to') as number | null,
              probabilities: value('test_probabilities') as string,
            }),
    });
  });
  return {
    datasetId: set.dataset.id,
    split: 'test',
    index,
    label,
    trueClass: classes[label] ?? `#${label}`,
    tags: tags === null ? [] : tags.split('\u001f').sort(),
    note,
    runs,
  };
}
