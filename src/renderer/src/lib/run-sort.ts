/**
 * Sorting the runs table by a column: a pure comparison per column, and the URL's form of a sort
 * ("accuracy" ascending, "-accuracy" descending). Missing values sort last either way.
 */
import { MODEL_LABELS, type RunSummary } from '../../../shared/contract';

export type SortKey =
  | 'id'
  | 'name'
  | 'model'
  | 'dataset'
  | 'status'
  | 'backend'
  | 'params'
  | 'epochs'
  | 'bestValLoss'
  | 'testAccuracy'
  | 'imagesPerSecond';

export interface RunSort {
  key: SortKey;
  descending: boolean;
}

/** Newest first, as the table has always been. */
export const DEFAULT_SORT: RunSort = { key: 'id', descending: true };

const KEYS: readonly SortKey[] = [
  'id',
  'name',
  'model',
  'dataset',
  'status',
  'backend',
  'params',
  'epochs',
  'bestValLoss',
  'testAccuracy',
  'imagesPerSecond',
];

/** "-testAccuracy" → descending by test accuracy; unknown or null → the default. */
export function parseSort(text: string | null): RunSort {
  if (text === null) return DEFAULT_SORT;
  const descending = text.startsWith('-');
  const key = (descending ? text.slice(1) : text) as SortKey;
  return KEYS.includes(key) ? { key, descending } : DEFAULT_SORT;
}

/** The URL's form; null for the default sort (kept out of the URL). */
export function formatSort(sort: RunSort): string | null {
  if (sort.key === DEFAULT_SORT.key && sort.descending === DEFAULT_SORT.descending) return null;
  return `${sort.descending ? '-' : ''}${sort.key}`;
}

/** Clicking a column: sorts by it (numbers best-first: descending, except val_loss), or flips it. */
export function toggleSort(current: RunSort, key: SortKey): RunSort {
  if (current.key === key) return { key, descending: !current.descending };
  const descendingFirst = ['id', 'params', 'epochs', 'testAccuracy', 'imagesPerSecond'].includes(key);
  return { key, descending: descendingFirst };
}

function value(run: RunSummary, key: SortKey, datasetName: (id: number) => string): number | string | null {
  switch (key) {
    case 'id':
      return run.id;
    case 'name':
      return run.name;
    case 'model':
      return MODEL_LABELS[run.model];
    case 'dataset':
      return datasetName(run.datasetId);
    case 'status':
      return run.status;
    case 'backend':
      return run.backend;
    case 'params':
      return run.params;
    case 'epochs':
      return run.epochsDone;
    case 'bestValLoss':
      return run.bestValLoss;
    case 'testAccuracy':
      return run.testAccuracy;
    case 'imagesPerSecond':
      return run.imagesPerSecond;
  }
}

/** A sorted copy; ties keep newest first. */
export function sortRuns(
  runs: readonly RunSummary[],
  sort: RunSort,
  datasetName: (id: number) => string = (id) => String(id),
): RunSummary[] {
  const direction = sort.descending ? -1 : 1;
  return [...runs].sort((a, b) => {
    const x = value(a, sort.key, datasetName);
    const y = value(b, sort.key, datasetName);
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else if (x !== y) {
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      if (order !== 0) return order * direction;
    }
    return b.id - a.id;
  });
}
