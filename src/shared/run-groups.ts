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

/** A seed group's verdict on one image: wrong in `wrong` of its `seeds` runs shown. */
export interface SeedVerdict {
  groupId: number;
  /** The group's name: its first run's (the run whose id is the group's, else the first shown). */
  name: string;
  colour: string;
  wrong: number;
  seeds: number;
  runIds: number[];
}

/**
 * Per seed group with two or more of its runs among an image's results, how many of them are
 * wrong ("wrong in 1 of 3 seeds"), in the order the groups first appear; runs alone have none.
 */
export function seedVerdicts(
  runs: readonly { runId: number; group: number | null; correct: boolean; runLabel: string; runColour: string }[],
): SeedVerdict[] {
  const byGroup = new Map<number, (typeof runs)[number][]>();
  for (const run of runs) {
    if (run.group === null) continue;
    const list = byGroup.get(run.group);
    if (list) list.push(run);
    else byGroup.set(run.group, [run]);
  }
  return [...byGroup].flatMap(([groupId, members]) => {
    if (members.length < 2) return [];
    const first = members.find((m) => m.runId === groupId) ?? members[0];
    if (!first) return [];
    return [
      {
        groupId,
        name: first.runLabel,
        colour: first.runColour,
        wrong: members.filter((m) => !m.correct).length,
        seeds: members.length,
        runIds: members.map((m) => m.runId),
      },
    ];
  });
}

/** "wrong in 1 of 3 seeds". */
export const seedVerdictText = (v: Pick<SeedVerdict, 'wrong' | 'seeds'>): string =>
  `wrong in ${v.wrong} of ${v.seeds} seeds`;
