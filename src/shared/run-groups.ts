/**
 * Seed groups: runs that differ only by seed. Derived from what is stored (never stored itself):
 * two top-level runs belong together when they were tested on the same dataset content, are of
 * the same model family and have the same config once `seed` is left out (and `members`, except
 * for deep ensembles, where it is the only field that family reads). An ensemble's members are
 * never in a group (they belong to their ensemble). A group needs two different seeds (two runs
 * with the very same config are repeats, not seeds); its id is the smallest id among its runs.
 */
import type { RunConfig, ModelFamily } from './contract';

export interface GroupableRun {
  id: number;
  datasetHash: string;
  model: ModelFamily;
  config: RunConfig;
  parentId: number | null;
}

/** What a run's group is decided by, as a string; null for an ensemble's member. */
export function groupKey(run: GroupableRun): string | null {
  if (run.parentId !== null) return null;
  const rest: Record<string, unknown> = { ...run.config };
  delete rest.seed;
  if (run.model !== 'ensemble') delete rest.members;
  const fields = Object.keys(rest)
    .sort()
    .map((key) => [key, rest[key]]);
  return JSON.stringify([run.datasetHash, run.model, fields]);
}

/** Each grouped run's group id (the smallest id of its group); runs alone are absent. */
export function seedGroups(runs: readonly GroupableRun[]): Map<number, number> {
  const byKey = new Map<string, GroupableRun[]>();
  for (const run of runs) {
    const key = groupKey(run);
    if (key === null) continue;
    const list = byKey.get(key);
    if (list) list.push(run);
    else byKey.set(key, [run]);
  }
  const groups = new Map<number, number>();
  for (const list of byKey.values()) {
    if (new Set(list.map((r) => r.config.seed)).size < 2) continue;
    const id = Math.min(...list.map((r) => r.id));
    for (const run of list) groups.set(run.id, id);
  }
  return groups;
}
