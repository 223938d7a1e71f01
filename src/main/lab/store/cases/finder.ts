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
} from '../../../../shared/contract';
import { floorPercent, significant } from '../../../../shared/numbers';
import type { Db } from '../database';
import { readCases } from './query';
import { caseRows } from './rows';
import type { RunSet } from './run-set';
import { CaseSql, type Params } from './sql';

/** Each list over a run set's rows `c` (./rows.ts, `CASE_ROW_COLUMNS`), thresholds bound by name. */
interface ListDefinition {
  /** The condition an image must meet. */
  where: string;
  /** What the list is ranked by, highest first. */
  score: string;
  /** A tie-break, highest first. */
  then?: string;
  reason: (c: CaseSummary, t: FinderThresholds, classes: readonly string[], set: RunSet) => string;
}

const pct = (p: number): string => `${Math.round(p * 100)} %`;
/** Entropy and mutual information: 3 significant digits, so ranked neighbours read apart (0.0812, 0.0809). */
const num = (x: number | null): string => (x === null ? '–' : significant(x, 3));

const LISTS: Record<FinderList, ListDefinition> = {
  'confidently-wrong': {
    // a wrong run at least this confident ⟺ the most confident wrong run is
    where: 'c.wrong_confidence >= @confidence',
    score: 'c.wrong_confidence',
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
    where: '1',
    score: 'coalesce(c.mi, c.entropy)',
    then: 'c.entropy',
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
    where: 'c.disagree',
    score: 'c.disagreement',
    then: 'c.entropy',
    reason: (c) => `${c.runs.map((r) => `${r.runLabel} says ${r.predictedClass}`).join(', ')} (true ${c.trueClass})`,
  },
  unstable: {
    // wrong in some but not all seeds of a group; the most evenly split first
    where: 'c.unstable > 0',
    score: 'c.unstable',
    then: 'c.entropy',
    reason: (c, _t, _classes, set) => unstableReason(c, set),
  },
  'background-reliant': {
    where: 'c.right_background >= @background',
    score: 'c.right_background',
    reason: (c, t) => {
      const runs = c.runs.filter((r) => r.correct && r.background !== null && r.background >= t.background);
      runs.sort((a, b) => (b.background ?? 0) - (a.background ?? 0));
      const [top, ...rest] = runs;
      if (!top) return `right (${c.trueClass})`;
      const also = rest.map((r) => `; ${r.runLabel}: ${pct(r.background ?? 0)}`).join('');
      return `right (${c.trueClass}) but ${pct(top.background ?? 0)} of the Grad-CAM map on the background in ${top.runLabel}${also}`;
    },
  },
  'background-decided': {
    // a run's class flips when only the background changes; the most dependent first
    where: 'c.background_flip IS NOT NULL',
    score: 'c.background_flip',
    then: 'c.dependence',
    reason: (c, _t, classes) => backgroundReason(c, classes),
  },
  fragile: {
    where: 'c.flipped OR c.variation_max >= @variation',
    score: 'c.variation_max',
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
    // every run says the same other class, the least confident at least this
    where: 'c.agreed_wrong AND c.min_confidence >= @mislabelled',
    score: 'c.min_confidence',
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

/**
 * "the class flips when only the background changes: CNN #1 says truck 93 %, the background
 * blurred gives deer (truck 31 %); the centre replaced costs it 12 % (true deer)", for each run that flips.
 */
export function backgroundReason(c: CaseSummary, classes: readonly string[]): string {
  const name = (k: number) => classes[k] ?? `#${k}`;
  const parts = c.runs.flatMap((r) => {
    const test = r.backgroundTest;
    if (!test?.flips) return [];
    const fills = (['the background blurred', 'the background in its mean colour'] as const).flatMap((said, v) =>
      test.variantClasses[v] !== test.predicted
        ? [`${said} gives ${name(test.variantClasses[v] ?? 0)} (${r.predictedClass} ${pct(test.variants[v] ?? 0)})`]
        : [],
    );
    return [
      `${r.runLabel} says ${r.predictedClass} ${pct(test.base)}, ${fills.join(', ')}; the centre replaced costs it ${pct(test.centreDependence)}`,
    ];
  });
  return `the class flips when only the background changes: ${parts.join('; ')} (true ${c.trueClass})`;
}

/**
 * "wrong in 2 of 3 seeds of CNN #1 (CNN #4 says truck 61 %, CNN #5 says frog 55 %; right in CNN #1;
 * true deer)", for each seed group of the set the image is unstable in.
 */
export function unstableReason(c: CaseSummary, set: RunSet): string {
  const groups = new Map<number, number[]>();
  for (const r of set.runs) {
    if (r.run.group === null) continue;
    groups.set(r.run.group, [...(groups.get(r.run.group) ?? []), r.run.id]);
  }
  const parts = [...groups.values()].flatMap((ids) => {
    const runs = c.runs.filter((r) => ids.includes(r.runId));
    const wrong = runs.filter((r) => !r.correct);
    if (runs.length < 2 || wrong.length === 0 || wrong.length === runs.length) return [];
    const name = set.runs.find((r) => r.run.id === Math.min(...ids))?.label ?? `run ${Math.min(...ids)}`;
    const says = wrong.map((r) => `${r.runLabel} says ${r.predictedClass} ${pct(r.confidence)}`).join(', ');
    const right = runs.filter((r) => r.correct).map((r) => r.runLabel);
    return [
      `wrong in ${wrong.length} of ${runs.length} seeds of ${name}'s group (${says}; right in ${right.join(', ')})`,
    ];
  });
  return `${parts.join('; ')} (true ${c.trueClass})`;
}

/** The finder's lists over a run set: the top `limit` of each, with how many qualify in all. */
export function findCases(
  db: Db,
  set: RunSet,
  options: { limit: number; thresholds: FinderThresholds; lists?: readonly FinderList[]; index?: number },
): FinderResult {
  const sql = new CaseSql(set);
  const params: Params = { ...sql.params, ...options.thresholds };
  // the disagreement of one run is meaningless: that list needs two runs; instability, a seed group;
  // the background's decisions, a background test
  const tested = set.runs.some((r) => r.backgroundTestId !== null);
  const names = (options.lists ?? FINDER_LISTS).filter(
    (list) =>
      (list !== 'disagree' || set.runs.length >= 2) &&
      (list !== 'unstable' || sql.seedGroups.length > 0) &&
      (list !== 'background-decided' || tested),
  );
  const ranked =
    options.index === undefined
      ? rankAll(db, caseRows(db, sql).table, names, { ...params, limit: options.limit })
      : rankOne(db, sql, names, { ...params, index: options.index });
  // every listed image's full row, read once
  const summaries = new Map(
    readCases(db, sql, [...new Set([...ranked.values()].flatMap((r) => r.map((x) => x.idx)))]).map((c) => [c.index, c]),
  );
  // instability is shown only where there is a seed group to be unstable in, the background's
  // decisions only where a run has a background test
  const shown = (options.lists ?? FINDER_LISTS).filter(
    (list) => (list !== 'unstable' || sql.seedGroups.length > 0) && (list !== 'background-decided' || tested),
  );
  const lists = shown.map((list) => {
    const def = LISTS[list];
    const found = ranked.get(list) ?? [];
    const entries: FinderEntry[] = found.flatMap(({ idx, score }) => {
      const summary = summaries.get(idx);
      if (!summary) return [];
      return [
        {
          list,
          datasetId: summary.datasetId,
          split: summary.split,
          index: summary.index,
          trueClass: summary.trueClass,
          reason: def.reason(summary, options.thresholds, set.dataset.classes, set),
          score: score ?? 0,
        },
      ];
    });
    return { list, title: FINDER_TITLES[list], total: found[0]?.total ?? 0, entries };
  });
  return { lists };
}

type Ranked = Map<FinderList, { idx: number; score: number | null; total: number }[]>;

/** Each list's top `@limit` over the run set's rows, with how many qualify. */
function rankAll(db: Db, table: string, names: readonly FinderList[], params: Params): Ranked {
  return new Map(
    names.map((list) => {
      const def = LISTS[list];
      // counted apart: a window count over the list would sort every qualifying row, where
      // ORDER BY … LIMIT keeps only the top ones
      const total = db
        .prepare<[Params], number>(`SELECT count(*) FROM ${table} c WHERE ${def.where}`)
        .pluck()
        .get(params);
      const top = db
        .prepare<[Params], { idx: number; score: number | null }>(
          `SELECT c.idx AS idx, ${def.score} AS score
           FROM ${table} c
           WHERE ${def.where}
           ORDER BY score DESC NULLS LAST${def.then ? `, ${def.then} DESC NULLS LAST` : ''}, c.idx
           LIMIT @limit`,
        )
        .all(params);
      return [list, top.map((entry) => ({ ...entry, total: total ?? 0 }))];
    }),
  );
}

/** The lists image `@index` is on (a case's reasons): its one row, every list's condition and score at once. */
function rankOne(db: Db, sql: CaseSql, names: readonly FinderList[], params: Params): Ranked {
  const row = db
    .prepare<[Params], unknown[]>(
      `SELECT ${names.map((list) => `(${LISTS[list].where}), ${LISTS[list].score}`).join(', ')}
       FROM (${sql.rowsSelect('i.idx = @index')}) c`,
    )
    .raw()
    .get(params);
  const index = params.index as number;
  return new Map(
    names.map((list, n) => {
      const on = row !== undefined && Boolean(row[2 * n]);
      return [list, on ? [{ idx: index, score: (row[2 * n + 1] as number | null) ?? null, total: 1 }] : []];
    }),
  );
}
