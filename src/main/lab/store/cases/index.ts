/**
 * The case queries' owner: lists, the finder and one case, all SQL over a run set's per-image
 * rows (./rows.ts) built from `predictions`, `explanation_images`, `images` and `annotations`.
 * It only reads those tables (their stores own the writes) and owns the TEMP tables it builds.
 */
import type { CaseSummary, FinderList, FinderResult, FinderThresholds } from '../../../../shared/contract';
import type { Db } from '../database';
import { findCases } from './finder';
import { listCases, readCases, type ListArgs } from './query';
import type { RunSet } from './run-set';
import { CaseSql } from './sql';

export { resolveRunSet, type CaseRun, type RunSet, type RunSetStores } from './run-set';
export type { ListArgs } from './query';

export class CaseStore {
  constructor(private readonly db: Db) {}

  /** A filtered, sorted page of the run set's cases with the sidebar counts. */
  list(set: RunSet, args: ListArgs): ReturnType<typeof listCases> {
    return listCases(this.db, set, args);
  }

  /** The finder's lists over the run set (`index`: only what applies to that image). */
  find(
    set: RunSet,
    options: { limit: number; thresholds: FinderThresholds; lists?: readonly FinderList[]; index?: number },
  ): FinderResult {
    return findCases(this.db, set, options);
  }

  /** One test image over the run set, or null when no run evaluated it. */
  one(set: RunSet, index: number): CaseSummary | null {
    return readCases(this.db, new CaseSql(set), [index])[0] ?? null;
  }
}
