import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/shared/contract';
import { meanSd, runListEntries, statusSummary } from '../../src/renderer/src/lib/run-groups';

const run = (id: number, group: number | null, status: RunSummary['status'] = 'done'): RunSummary =>
  ({ id, group, status }) as RunSummary;

describe('the runs table with seed groups', () => {
  it('puts a group where its first run in the sort is, with its runs in that order', () => {
    const entries = runListEntries([run(9, null), run(7, 3), run(5, null), run(3, 3), run(4, 4)]);
    expect(
      entries.map((e) => (e.kind === 'run' ? e.run.id : `group ${e.groupId}: ${e.runs.map((r) => r.id).join(',')}`)),
    ).toEqual([
      9,
      'group 3: 7,3',
      5,
      // a group of which only one run is listed is a plain row
      4,
    ]);
  });

  it('summarises a group: mean ± sd of the known values, statuses counted', () => {
    expect(meanSd([0.7, null, 0.8])).toEqual({ mean: 0.75, sd: expect.closeTo(Math.SQRT1_2 * 0.1, 12), n: 2 });
    expect(meanSd([null])).toEqual({ mean: null, sd: null, n: 0 });
    expect(statusSummary([run(1, 1), run(2, 1, 'running'), run(3, 1)])).toBe('2 done · 1 running');
  });
});
