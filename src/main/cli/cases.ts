import { CaseService } from '../lab/cases/cases';
import { openDatabase } from '../lab/store/database';
import { DatasetStore } from '../lab/store/datasets';
import { RunStore } from '../lab/store/runs';
import { UsageError, listOption } from './args';

/** The case service over a study database, for the commands that only read and annotate. */
export function openCases(file: string): {
  cases: CaseService;
  close: () => void;
  /** The class names of the runs' dataset. */
  classesOf: (runIds: readonly number[]) => string[];
} {
  const db = openDatabase(file);
  const runs = new RunStore(db);
  const datasets = new DatasetStore(db);
  return {
    cases: new CaseService({ db, runs, datasets }),
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
