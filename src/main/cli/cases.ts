import { CaseService } from '../lab/cases/cases';
import { openDatabase, type Db } from '../lab/store/database';
import { openStores } from '../lab/store/index';
import { UsageError, listOption } from './args';

/** The case service over a study database, for the commands that only read and annotate. */
export function openCases(file: string): {
  cases: CaseService;
  db: Db;
  close: () => void;
  /** The class names of the runs' dataset. */
  classesOf: (runIds: readonly number[]) => string[];
} {
  const db = openDatabase(file);
  const stores = openStores(db);
  const { runs, datasets } = stores;
  return {
    cases: new CaseService(stores),
    db,
    close: () => db.close(),
    classesOf: (runIds) => {
      const [first] = runIds;
      return first === undefined ? [] : datasets.get(runs.get(first).datasetId).classes;
    },
  };
}

/** `--runs 1,2,3` as ids. */
export function runIdsOption(value: string | undefined): number[] {
  const ids = listOption(value);
  if (!ids || ids.length === 0) throw new UsageError('--runs <ids> is required (comma-separated run ids)');
  return ids.map((id) => {
    const n = Number(id);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--runs: "${id}" is not a run id`);
    return n;
  });
}

/**
 * `--filter` values as a case filter: wrong, right, disagree, unstable, note, tag:<tag>, class:<name>
 * (`classes` are the runs' class names).
 */
export function caseFilterOption(
  filters: readonly string[] | undefined,
  classes: readonly string[],
): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const f of filters ?? []) {
    if (f === 'wrong' || f === 'right' || f === 'disagree' || f === 'unstable') filter.outcome = f;
    else if (f === 'note') filter.hasNote = true;
    else if (f.startsWith('tag:')) filter.tag = f.slice('tag:'.length);
    else if (f.startsWith('class:')) {
      const name = f.slice('class:'.length);
      const k = classes.indexOf(name);
      if (k < 0) throw new UsageError(`--filter class:${name}: the runs' classes are ${classes.join(', ')}`);
      filter.trueClass = k;
    } else
      throw new UsageError(
        `--filter: unknown filter "${f}"; use wrong, right, disagree, unstable, note, tag:<t> or class:<name>`,
      );
  }
  return filter;
}
