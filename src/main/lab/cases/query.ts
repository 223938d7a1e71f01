/** Case lists: filters, sorts, pages and sidebar counts, all in SQL over the run set's rows. */
import type { z } from 'zod';
import type {
  CaseCounts,
  CaseFilter,
  CasePage,
  CaseRunResult,
  CaseSort,
  CaseSummary,
  ListCasesRequest,
} from '../../../shared/contract';
import { BadRequestError } from '../errors';
import type { Db } from '../store/database';
import type { RunSet } from './run-set';
import { CaseSql, type CaseRow, type Params } from './sql';

export type ListArgs = z.output<typeof ListCasesRequest>;
type Filter = z.output<typeof CaseFilter>;

/**
 * The WHERE clause of a filter (on top of the run set's base); `outcome` is the outcome's own
 * condition (also in `where`), which the outcome facet's counts leave out.
 */
export function filterSql(sql: CaseSql, filter: Filter): { where: string[]; params: Params; outcome: string | null } {
  const where = [sql.base];
  const params: Params = {};
  const { classes } = sql.set.dataset;
  if (filter.trueClass !== undefined) {
    if (filter.trueClass >= classes.length)
      throw new BadRequestError(
        `filter.trueClass: class ${filter.trueClass} does not exist (${classes.length} classes)`,
      );
    where.push('i.label = @trueClass');
    params.trueClass = filter.trueClass;
  }
  for (const [n, { runId, class: k }] of filter.predicted.entries()) {
    const j = sql.set.runs.findIndex((r) => r.run.id === runId);
    if (j < 0) throw new BadRequestError(`filter.predicted: run ${runId} is not among the listed runs`);
    if (k >= classes.length) throw new BadRequestError(`filter.predicted: class ${k} does not exist`);
    where.push(`p${j}.predicted = @pred${n}`);
    params[`pred${n}`] = k;
  }
  const outcome =
    filter.outcome === 'wrong'
      ? sql.wrongAny
      : filter.outcome === 'right'
        ? sql.rightAll
        : filter.outcome === 'disagree'
          ? sql.disagree
          : null;
  if (outcome !== null) where.push(outcome);
  if (filter.tag !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM annotation_tags t
                 WHERE t.dataset_hash = @hash AND t.tag = @tag AND t.split = i.split AND t.idx = i.idx)`);
    params.tag = filter.tag;
  }
  if (filter.hasNote !== undefined)
    where.push(filter.hasNote ? "coalesce(a.note, '') <> ''" : "coalesce(a.note, '') = ''");
  return { where, params, outcome };
}

/** The ORDER BY of a sort: most first, except `index`; NULLs last; ties by index. */
export function sortSql(sql: CaseSql, sort: CaseSort, order?: 'asc' | 'desc'): string {
  const direction = (order ?? (sort === 'index' ? 'asc' : 'desc')).toUpperCase();
  const key: Record<CaseSort, string> = {
    index: 'i.idx',
    confidence: sql.mean('confidence'),
    entropy: sql.mean('entropy'),
    mi: sql.mean('mutual_information'),
    variation: sql.mean('variation_ratio'),
    background: sql.mean('background'),
    disagreement: `${sql.disagreement} ${direction} NULLS LAST, ${sql.mean('entropy')}`,
  };
  return `${key[sort]} ${direction} NULLS LAST, i.idx`;
}

export function listCases(db: Db, set: RunSet, args: ListArgs): CasePage {
  const sql = new CaseSql(set);
  const { where, params, outcome } = filterSql(sql, args.filter);
  const all = { ...sql.params, ...params };
  // rank on the bare keys first, then read the page's rows in full: sorting whole rows would
  // compute every column (probabilities, tags) of every image
  const page = db
    .prepare<[Params & { limit: number; offset: number }], number>(
      `SELECT i.idx
       ${sql.from}
       WHERE ${where.join('\n AND ')}
       ORDER BY ${sortSql(sql, args.sort, args.order)}
       LIMIT @limit OFFSET @offset`,
    )
    .pluck()
    .all({ ...all, limit: args.limit, offset: args.offset });
  const counts = countCases(db, sql, { where, outcome }, all);
  return { total: counts.total, items: readCases(db, sql, page), counts };
}

/** The full rows of the given images, in the given order. */
export function readCases(db: Db, sql: CaseSql, indices: readonly number[]): CaseSummary[] {
  if (indices.length === 0) return [];
  const rows = db
    .prepare<[Params], CaseRow>(
      `SELECT ${sql.columns}
       ${sql.from}
       WHERE ${sql.base} AND i.idx IN (SELECT value FROM json_each(@indices))`,
    )
    .all({ ...sql.params, indices: JSON.stringify(indices) });
  const byIndex = new Map(rows.map((row) => [row.idx, row]));
  return indices.flatMap((index) => {
    const row = byIndex.get(index);
    return row ? [caseSummary(sql.set, row)] : [];
  });
}

/**
 * The sidebar's counts. Every facet counts the filtered images, except the outcome facet, which
 * counts without the outcome filter itself (as FiftyOne counts a field's values): with "wrong"
 * chosen, "right in every run" still says how many images choosing it would show.
 */
function countCases(
  db: Db,
  sql: CaseSql,
  filter: { where: string[]; outcome: string | null },
  params: Params,
): CaseCounts {
  const others = filter.where.filter((clause) => clause !== filter.outcome);
  // one scan: the images matching every filter but the outcome, their groups, and the tags of
  // those that match the outcome too
  const rows = db
    .prepare<
      [Params],
      {
        tag: string | null;
        chosen: number;
        label: number;
        wrong: number;
        right: number;
        disagree: number;
        noted: number;
        n: number;
      }
    >(
      `WITH f AS MATERIALIZED (
         SELECT i.idx AS idx, i.label AS label, ${sql.wrongAny} AS wrong, coalesce(${sql.rightAll}, 0) AS right,
                ${sql.disagree} AS disagree, (coalesce(a.note, '') <> '') AS noted,
                ${filter.outcome === null ? '1' : `coalesce(${filter.outcome}, 0)`} AS chosen
         ${sql.from}
         WHERE ${others.join('\n AND ')})
       SELECT NULL AS tag, chosen, label, wrong, right, disagree, noted, count(*) AS n FROM f GROUP BY 2, 3, 4, 5, 6, 7
       UNION ALL
       SELECT t.tag, 1, 0, 0, 0, 0, 0, count(*) FROM annotation_tags t JOIN f ON f.idx = t.idx
        WHERE t.dataset_hash = @hash AND t.split = 'test' AND f.chosen GROUP BY t.tag`,
    )
    .all(params);
  const groups = rows.filter((row) => row.tag === null);
  const tags = rows
    .flatMap((row) => (row.tag === null ? [] : [{ tag: row.tag, n: row.n }]))
    .sort((a, b) => a.tag.localeCompare(b.tag));
  const { classes } = sql.set.dataset;
  const counts: CaseCounts = {
    total: 0,
    any: 0,
    trueClass: Object.fromEntries(classes.map((name) => [name, 0])),
    wrong: 0,
    right: 0,
    disagree: 0,
    noted: 0,
    tags: Object.fromEntries(tags.map((t) => [t.tag, t.n])),
  };
  for (const g of groups) {
    counts.any += g.n;
    if (g.wrong) counts.wrong += g.n;
    if (g.right) counts.right += g.n;
    if (g.disagree) counts.disagree += g.n;
    if (!g.chosen) continue;
    counts.total += g.n;
    const name = classes[g.label] ?? `#${g.label}`;
    counts.trueClass[name] = (counts.trueClass[name] ?? 0) + g.n;
    if (g.noted) counts.noted += g.n;
  }
  return counts;
}

/** A selected row as a case summary: one entry per run that evaluated the image. */
export function caseSummary(set: RunSet, row: CaseRow): CaseSummary {
  const { classes } = set.dataset;
  const runs: CaseRunResult[] = [];
  set.runs.forEach((r, j) => {
    const value = (name: string) => row[`p${j}_${name}` as keyof CaseRow] as number | string | null;
    if (value('idx') === null) return;
    const predicted = value('predicted') as number;
    runs.push({
      runId: r.run.id,
      model: r.run.model,
      runLabel: r.label,
      runColour: r.run.colour,
      predicted,
      predictedClass: classes[predicted] ?? `#${predicted}`,
      correct: predicted === row.label,
      confidence: value('confidence') as number,
      probabilities: JSON.parse(value('probabilities') as string) as number[],
      entropy: value('entropy') as number,
      mutualInformation: value('mutual_information') as number | null,
      variationRatio: value('variation_ratio') as number | null,
      majority: value('majority') as number | null,
      background: value('background') as number | null,
      samples: r.samples,
    });
  });
  return {
    datasetId: set.dataset.id,
    split: 'test',
    index: row.idx,
    label: row.label,
    trueClass: classes[row.label] ?? `#${row.label}`,
    tags: row.tags === null ? [] : row.tags.split('\u001f').sort(),
    note: row.note,
    runs,
  };
}
