import { describe, expect, it } from 'vitest';
import type { CaseDetail, CasePage, CaseSummary, FinderResult } from '../../src/shared/contract';
import { DEFAULT_CASE_QUERY } from '../../src/renderer/src/lib/case-query';
import { CaseState } from '../../src/renderer/src/state/case.svelte';
import { DEFAULT_THRESHOLDS, FinderState } from '../../src/renderer/src/state/finder.svelte';
import { FakeClient, settle } from './fake-client';

const detail = (index: number, extra: Partial<CaseDetail> = {}): CaseDetail => ({
  datasetId: 1,
  split: 'test',
  index,
  label: 0,
  trueClass: 'deer',
  tags: [],
  note: '',
  classes: ['deer', 'frog', 'truck'],
  annotation: {
    datasetId: 1,
    split: 'test',
    index,
    tags: [],
    note: '',
    runId: null,
    createdAt: null,
    updatedAt: null,
  },
  runs: [],
  reasons: [],
  missingRuns: [],
  ...extra,
});

const page = (indices: number[], total = indices.length): CasePage => ({
  total,
  items: indices.map((index) => ({ index }) as CaseSummary),
  counts: { total, any: total, trueClass: {}, wrong: 0, right: 0, disagree: 0, unstable: 0, noted: 0, tags: {} },
});

const key = (index: number, runIds: number[] = [7]) => ({ datasetId: 1, index, runIds, query: DEFAULT_CASE_QUERY });

describe('CaseState', () => {
  it('drops a stale getCase answer after moving on to the next case', async () => {
    const fake = new FakeClient();
    const state = new CaseState(fake.client);
    void state.load(key(3));
    const first = fake.take('getCase');
    void state.load(key(4));
    const second = fake.take('getCase');
    expect(second.input).toMatchObject({ index: 4, runs: [7] });
    second.resolve({ ok: true, value: detail(4) });
    await settle();
    first.resolve({ ok: true, value: detail(3) }); // late: the route has moved on
    await settle();
    expect(state.detail?.index).toBe(4);
    expect(state.loading).toBe(false);
  });

  it("walks the finder list a case was opened from, under the finder's thresholds", async () => {
    const fake = new FakeClient();
    const thresholds = { ...DEFAULT_THRESHOLDS, confidence: 0.8 };
    const state = new CaseState(fake.client, () => thresholds);
    const fromFinder = { ...DEFAULT_CASE_QUERY, finder: 'uncertain' as const };
    void state.load({ datasetId: 1, index: 12, runIds: [7, 8], query: fromFinder });
    fake.take('getCase').resolve({ ok: true, value: detail(12) });
    await settle();
    const asked = fake.take('findCases');
    expect(asked.input).toMatchObject({ runs: [7, 8], lists: ['uncertain'], thresholds: { confidence: 0.8 } });
    const entries = [40, 12, 3].map((index) => ({ index }) as FinderResult['lists'][number]['entries'][number]);
    asked.resolve({ ok: true, value: { lists: [{ list: 'uncertain', title: 'Uncertain', total: 3, entries }] } });
    await settle();
    // the finder's order, not the gallery's: no listCases at all
    expect(state.neighbours).toMatchObject({ index: 12, previous: 40, next: 3, position: 2, total: 3 });
    expect(fake.pending.filter((p) => p.name === 'listCases')).toHaveLength(0);
  });

  it('walks the list of the runs that remain when the link names a deleted run', async () => {
    const fake = new FakeClient();
    const state = new CaseState(fake.client);
    void state.load(key(3, [7, 9]));
    fake.take('getCase').resolve({ ok: true, value: detail(3, { missingRuns: [9] }) });
    await settle();
    expect(state.runIds).toEqual([7]);
    const list = fake.take('listCases');
    expect(list.input).toMatchObject({ runs: [7] });
  });

  it('finds previous and next in the same list (runs and query), asking listCases page by page', async () => {
    const fake = new FakeClient();
    const state = new CaseState(fake.client);
    void state.load(key(501));
    fake.take('getCase').resolve({ ok: true, value: detail(501) });
    await settle();
    const first = fake.take('listCases');
    expect(first.input).toMatchObject({ runs: [7], sort: 'index', offset: 0, limit: 500 });
    first.resolve({
      ok: true,
      value: page(
        Array.from({ length: 500 }, (_, i) => i * 2),
        700,
      ),
    });
    await settle();
    const second = fake.take('listCases');
    expect(second.input).toMatchObject({ offset: 500 });
    second.resolve({ ok: true, value: page([999, 501, 3], 700) });
    await settle();
    expect(state.neighbours).toEqual({ index: 501, previous: 999, next: 3, position: 502, total: 503 });

    // the next case of the same list: its neighbours are known at once (a quick second key press
    // must not go from the old place), with no new listCases
    void state.load(key(3));
    expect(state.neighbours).toMatchObject({ index: 3, previous: 501, next: null });
    fake.take('getCase').resolve({ ok: true, value: detail(3) });
    await settle();
    expect(fake.pending.filter((p) => p.name === 'listCases')).toHaveLength(0);
    expect(state.neighbours).toMatchObject({ previous: 501, next: null, position: 503 });
  });

  it('says why a case cannot be shown (an image that is not there)', async () => {
    const fake = new FakeClient();
    const state = new CaseState(fake.client);
    void state.load(key(99));
    fake.take('getCase').resolve({ ok: false, error: { code: 'not-found', message: 'no test image 99' } });
    await settle();
    expect(state.detail).toBeNull();
    expect(state.error).toEqual({ code: 'not-found', message: 'no test image 99' });
  });

  it("uses getCase's default runs when none are given, and loads the stored samples", async () => {
    const fake = new FakeClient();
    const state = new CaseState(fake.client);
    void state.load(key(2, []));
    const ask = fake.take('getCase');
    expect(ask.input).not.toHaveProperty('runs');
    const run = { runId: 5, samplesStored: true } as CaseDetail['runs'][number];
    ask.resolve({ ok: true, value: detail(2, { runs: [run] }) });
    await settle();
    expect(state.runIds).toEqual([5]);
    const samples = fake.take('getCaseSamples');
    expect(samples.input).toEqual({ runId: 5, index: 2 });
    samples.resolve({ ok: true, value: { runId: 5, index: 2, samples: 2, classes: 3, values: [1, 0, 0, 0, 1, 0] } });
    expect(fake.take('listCases').input).toMatchObject({ runs: [5] });
    await settle();
    expect(state.samples.get(5)?.samples).toBe(2);
  });

  it('keeps the shown annotation in step with annotationChanged', async () => {
    const fake = new FakeClient();
    const state = new CaseState(fake.client);
    void state.load(key(2));
    fake.take('getCase').resolve({ ok: true, value: detail(2) });
    await settle();
    state.setAnnotation({ ...detail(2).annotation, tags: ['interesting'] });
    state.setAnnotation({ ...detail(3).annotation, tags: ['ambiguous'] }); // another image
    expect(state.detail?.tags).toEqual(['interesting']);
  });
});

describe('FinderState', () => {
  const result = (total: number): FinderResult => ({
    lists: [{ list: 'uncertain', title: 'Most uncertain', total, entries: [] }],
  });

  it('asks with the thresholds on show; a newer answer wins over an older one', async () => {
    const fake = new FakeClient();
    const finder = new FinderState(fake.client);
    void finder.load([1, 2]);
    const first = fake.take('findCases');
    expect(first.input).toMatchObject({ runs: [1, 2], thresholds: DEFAULT_THRESHOLDS });
    void finder.setThreshold('confidence', 1.7); // clamped
    const second = fake.take('findCases');
    expect(second.input).toMatchObject({ thresholds: { ...DEFAULT_THRESHOLDS, confidence: 1 } });
    expect(finder.changed).toBe(true);
    second.resolve({ ok: true, value: result(2) });
    await settle();
    first.resolve({ ok: true, value: result(9) });
    await settle();
    expect(finder.result?.lists[0]?.total).toBe(2);
  });

  it('shows the error in place, and nothing to ask without runs', async () => {
    const fake = new FakeClient();
    const finder = new FinderState(fake.client);
    await finder.load([]);
    expect(fake.pending).toHaveLength(0);
    void finder.load([3]);
    fake.take('findCases').resolve({ ok: false, error: { code: 'conflict', message: 'run 3 has no evaluation yet' } });
    await settle();
    expect(finder.error).toMatch(/no evaluation/);
  });
});
