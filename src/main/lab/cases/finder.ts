/**
 * The interesting-case finder: ranked lists over a run set, each a SQL condition and score over
 * the per-image rows, each entry with one line a person can read (cleanlab's label-issue lists
 * are the model: a ranked list, each with its reason).
 */
import {
  FINDER_TITLES,
  type CaseSummary,
  type FinderEntry,
  type FinderList,
  type FinderResult,
  type FinderThresholds,
} from '../../../shared/contract';
import { floorPercent, significant } from '../../../shared/numbers';
import type { Db } from '../store/database';
import { readCases } from './query';
import type { RunSet } from './run-set';
import { CaseSql, type Params } from './sql';

interface ListDefinition {
  /** The condition an image must meet (besides the run set's base). */
  where: (sql: CaseSql) => string;
  /** What the list is ranked by, highest first. */
  score: (sql: CaseSql) => string;
  /** A tie-break, highest first. */
  then?: (sql: CaseSql) => string;
  reason: (c: CaseSummary, t: FinderThresholds, classes: readonly string[]) => string;
}

const pct = (p: number): string => `${Math.round(p * 100)} %`;
/** Entropy and mutual information: 3 significant digits, so ranked neighbours read apart (0.0812, 0.0809). */
const num = (x: number | null): string => (x === null ? '–' : significant(x, 3));

const LISTS: Record<FinderList, ListDefinition> = {
  'confidently-wrong': {
    where: (s) => s.any((j) => `${s.wrong(j)} AND p${j}.confidence >= @confidence`),
    score: (s) => s.max(s.each((j) => `CASE WHEN ${s.wrong(j)} THEN p${j}.confidence END`)),
    reason: (c, t) => {
      const wrong = c.runs.filter((r) => !r.correct && r.confidence >= t.confidence);
      wrong.sort((a, b) => b.confidence - a.confidence);
      const [top, ...rest] = wrong;
      if (!top) return `wrong (true ${c.trueClass})`;
      const also = rest.map((r) => `; ${r.runLabel}: ${r.predictedClass}, ${pct(r.confidence)}`).join('');
      return `wrong with ${pct(top.confidence)} confidence (${top.predictedClass}, true ${c.trueClass}) in ${top.runLabel}${also}`;
    },
  },
  uncertain: {
    where: () => '1',
    score: (s) => `coalesce(${s.mean('mutual_information')}, ${s.mean('entropy')})`,
    then: (s) => s.mean('entropy'),
    reason: (c) => {
      const mi = c.runs.filter((r) => r.mutualInformation !== null);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const head =
        mi.length > 0
          ? `mutual information ${num(mean(mi.map((r) => r.mutualInformation ?? 0)))}, entropy ${num(mean(c.runs.map((r) => r.entropy)))} nats`
          : `entropy ${num(mean(c.runs.map((r) => r.entropy)))} nats`;
      const says = c.runs.map((r) => `${r.runLabel}: ${r.predictedClass} ${pct(r.confidence)}`).join(', ');
      return `${head} (${says}; true ${c.trueClass})`;
    },
  },
  disagree: {
    where: (s) => s.disagree,
    score: (s) => s.disagreement,
    then: (s) => s.mean('entropy'),
    reason: (c) => `${c.runs.map((r) => `${r.runLabel} says ${r.predictedClass}`).join(', ')} (true ${c.trueClass})`,
  },
  'background-reliant': {
    where: (s) => s.any((j) => `${s.right(j)} AND ${s.column(j, 'background')} >= @background`),
    score: (s) => s.max(s.each((j) => `CASE WHEN ${s.right(j)} THEN ${s.column(j, 'background')} END`)),
    reason: (c, t) => {
      const runs = c.runs.filter((r) => r.correct && r.background !== null && r.background >= t.background);
      runs.sort((a, b) => (b.background ?? 0) - (a.background ?? 0));
      const [top, ...rest] = runs;
      if (!top) return `right (${c.trueClass})`;
      const also = rest.map((r) => `; ${r.runLabel}: ${pct(r.background ?? 0)}`).join('');
      return `right (${c.trueClass}) but ${pct(top.background ?? 0)} of the Grad-CAM map on the background in ${top.runLabel}${also}`;
    },
  },
  fragile: {
    where: (s) =>
      s.any(
        (j) =>
          `(p${j}.majority IS NOT NULL AND p${j}.majority <> p${j}.predicted) OR p${j}.variation_ratio >= @variation`,
      ),
    score: (s) => s.max(s.each((j) => `p${j}.variation_ratio`)),
    reason: (c, t, classes) => {
      const parts = c.runs.flatMap((r) => {
        if (r.majority !== null && r.majority !== r.predicted)
          return [
            `in ${r.runLabel} most of the ${r.samples} samples say ${classes[r.majority] ?? r.majority}, their mean says ${r.predictedClass}`,
          ];
        if (r.variationRatio !== null && r.variationRatio >= t.variation)
          return [
            `in ${r.runLabel} ${pct(r.variationRatio)} of the ${r.samples} samples vote against the majority (${r.predictedClass})`,
          ];
        return [];
      });
      return `${parts.join('; ')} (true ${c.trueClass})`;
    },
  },
  mislabelled: {
    where: (s) =>
      [
        ...s.each(
          (j) => `p${j}.idx IS NOT NULL AND p${j}.predicted = p0.predicted AND p${j}.confidence >= @mislabelled`,
        ),
        'p0.predicted <> i.label',
      ].join(' AND '),
    score: (s) => s.min(s.each((j) => `p${j}.confidence`)),
    reason: (c) => {
      const [first] = c.runs;
      if (!first) return `labelled ${c.trueClass}`;
      const lowest = Math.min(...c.runs.map((r) => r.confidence));
      return c.runs.length === 1
        ? `labelled ${c.trueClass}, but ${first.runLabel} says ${first.predictedClass} with ${pct(lowest)} confidence`
        : `labelled ${c.trueClass}, but all ${c.runs.length} runs say ${first.predictedClass} with ≥ ${floorPercent(lowest)} confidence`;
    },
  },
};

export const FINDER_LISTS = Object.keys(LISTS) as FinderList[];

/** The finder's lists over a run set: the top `limit` of each, with how many qualify in all. */
export function findCases(
  db: Db,
  set: RunSet,
  options: { limit: number; thresholds: FinderThresholds; lists?: readonly FinderList[]; index?: number },
): FinderResult {
  const sql = new CaseSql(set);
  const params: Params = { ...sql.params, ...options.thresholds };
  const only = options.index === undefined ? '' : ' AND i.idx = @index';
  if (options.index !== undefined) params.index = options.index;
  const lists = (options.lists ?? FINDER_LISTS).map((list) => {
    const def = LISTS[list];
    // the disagreement of one run is meaningless: that list needs two runs
    if (list === 'disagree' && set.runs.length < 2) return { list, title: FINDER_TITLES[list], total: 0, entries: [] };
    const where = `${sql.base} AND (${def.where(sql)})${only}`;
    const ranked = db
      .prepare<[Params], { idx: number; score: number | null; total: number }>(
        `SELECT i.idx AS idx, ${def.score(sql)} AS score, count(*) OVER () AS total
         ${sql.from}
         WHERE ${where}
         ORDER BY score DESC NULLS LAST${def.then ? `, ${def.then(sql)} DESC NULLS LAST` : ''}, i.idx
         LIMIT @limit`,
      )
      .all({ ...params, limit: options.limit });
    const summaries = readCases(
      db,
      sql,
      ranked.map((r) => r.idx),
    );
    const entries: FinderEntry[] = summaries.map((summary, n) => ({
      list,
      datasetId: summary.datasetId,
      split: summary.split,
      index: summary.index,
      trueClass: summary.trueClass,
      reason: def.reason(summary, options.thresholds, set.dataset.classes),
      score: ranked[n]?.score ?? 0,
    }));
    return { list, title: FINDER_TITLES[list], total: ranked[0]?.total ?? 0, entries };
  });
  return { lists };
}
