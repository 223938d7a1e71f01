/**
 * The runs table's entries: a run alone is a row; the runs of a seed group are one row, placed
 * where its first run (in the table's sort) would be, which opens into its runs.
 */
import type { RunStatus, RunSummary } from '../../../shared/contract';

export type RunListEntry = { kind: 'run'; run: RunSummary } | { kind: 'group'; groupId: number; runs: RunSummary[] };

/** Entries of runs already in the table's order; a group's runs keep that order. */
export function runListEntries(sorted: readonly RunSummary[]): RunListEntry[] {
  const groups = new Map<number, RunSummary[]>();
  for (const run of sorted) {
    if (run.group === null) continue;
    const list = groups.get(run.group);
    if (list) list.push(run);
    else groups.set(run.group, [run]);
  }
  const entries: RunListEntry[] = [];
  const placed = new Set<number>();
  for (const run of sorted) {
    const runs = run.group === null ? undefined : groups.get(run.group);
    if (run.group === null || runs === undefined || runs.length < 2) entries.push({ kind: 'run', run });
    else if (!placed.has(run.group)) {
      placed.add(run.group);
      entries.push({ kind: 'group', groupId: run.group, runs });
    }
  }
  return entries;
}

/** Mean and sample sd of the values that are known; null mean when none is, null sd with fewer than two. */
export function meanSd(values: readonly (number | null)[]): { mean: number | null; sd: number | null; n: number } {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { mean: null, sd: null, n: 0 };
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const sd = xs.length < 2 ? null : Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd, n: xs.length };
}

/** "3 done", "2 done · 1 running": the statuses of a group's runs, most common first. */
export function statusSummary(runs: readonly RunSummary[]): string {
  const counts = new Map<RunStatus, number>();
  for (const run of runs) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${n} ${status}`)
    .join(' · ');
}
