import { describe, expect, it } from 'vitest';
import { DEFAULT_CASE_QUERY } from '../../src/renderer/src/lib/case-query';
import { RecentRuns } from '../../src/renderer/src/state/recent-runs.svelte';

describe('RecentRuns', () => {
  it('keeps the runs last looked at, across screens without runs', () => {
    const recent = new RecentRuns();
    expect(recent.runIds).toEqual([]);
    recent.see({ view: 'gallery', runIds: [1, 2], query: DEFAULT_CASE_QUERY });
    expect(recent.runIds).toEqual([1, 2]);
    // the runs table and the datasets have no run set: the last one stays
    recent.see({ view: 'runs', runId: 3, sort: null });
    recent.see({ view: 'datasets', datasetId: null });
    recent.see({ view: 'gallery', runIds: [], query: DEFAULT_CASE_QUERY });
    expect(recent.runIds).toEqual([1, 2]);
    recent.see({ view: 'case', datasetId: 1, split: 'test', index: 4, runIds: [2, 3], query: DEFAULT_CASE_QUERY });
    expect(recent.runIds).toEqual([2, 3]);
    recent.see({ view: 'finder', runIds: [3] });
    expect(recent.runIds).toEqual([3]);
    recent.see({ view: 'compare', runIds: [1, 3] });
    expect(recent.runIds).toEqual([1, 3]);
  });

  it('leaves out runs that no longer exist', () => {
    const recent = new RecentRuns();
    recent.see({ view: 'finder', runIds: [1, 2, 3] });
    expect(recent.current(null)).toEqual([1, 2, 3]);
    expect(recent.current([1, 3, 4])).toEqual([1, 3]);
  });
});
