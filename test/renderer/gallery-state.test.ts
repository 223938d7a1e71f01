import { describe, expect, it } from 'vitest';
import type { Annotation, CasePage, CaseSummary, EventName, EventPayload, Result } from '../../src/shared/contract';
import { DEFAULT_CASE_QUERY, type CaseListQuery } from '../../src/renderer/src/lib/case-query';
import { GALLERY_PAGE, GalleryState } from '../../src/renderer/src/state/gallery.svelte';

const summary = (index: number, tags: string[] = []): CaseSummary => ({
  datasetId: 1,
  split: 'test',
  index,
  label: index % 3,
  trueClass: ['deer', 'frog', 'truck'][index % 3] ?? 'deer',
  tags,
  note: '',
  runs: [],
});

const counts = (total: number, interesting = 0): CasePage['counts'] => ({
  total,
  any: total,
  trueClass: {},
  wrong: 0,
  right: total,
  disagree: 0,
  unstable: 0,
  noted: 0,
  tags: interesting > 0 ? { interesting } : {},
});

const annotation = (index: number, tags: string[]): Annotation => ({
  datasetId: 1,
  split: 'test',
  index,
  tags,
  note: '',
  runId: null,
  createdAt: null,
  updatedAt: null,
});

interface Pending {
  name: string;
  input: Record<string, unknown>;
  answer: (value: unknown) => void;
}

/** A client whose requests wait until the test answers them, in any order; events are sent by hand. */
function fakeClient() {
  const pending: Pending[] = [];
  const listeners = new Map<string, Set<(payload: never) => void>>();
  return {
    pending,
    request(name: string, input: unknown): Promise<Result<unknown>> {
      return new Promise((resolve) =>
        pending.push({
          name,
          input: input as Record<string, unknown>,
          answer: (value) => resolve({ ok: true, value }),
        }),
      );
    },
    on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
      for (const listener of listeners.get(name) ?? []) (listener as (p: EventPayload<K>) => void)(payload);
    },
    /** Removes and returns the oldest pending request of this name. */
    take(name: string): Pending {
      const at = pending.findIndex((p) => p.name === name);
      if (at < 0) throw new Error(`no pending ${name}`);
      return pending.splice(at, 1)[0]!;
    },
  };
}

const page = (offset: number, count: number, total: number, tags: (i: number) => string[] = () => []): CasePage => ({
  total,
  items: Array.from({ length: count }, (_, i) => summary(offset + i, tags(offset + i))),
  counts: counts(total),
});

const settle = () => new Promise((done) => setTimeout(done, 0));

function setup() {
  const client = fakeClient();
  const gallery = new GalleryState(client as never);
  const dispose = gallery.listen();
  return { client, gallery, dispose };
}

describe('GalleryState', () => {
  it('loads the first page with the counts, and further pages only when asked for', async () => {
    const { client, gallery } = setup();
    const loading = gallery.load([1, 2], { ...DEFAULT_CASE_QUERY, outcome: 'wrong', sort: 'mi' });
    const first = client.take('listCases');
    expect(first.input).toMatchObject({ runs: [1, 2], filter: { outcome: 'wrong' }, sort: 'mi', offset: 0 });
    expect(first.input['limit']).toBe(GALLERY_PAGE);
    first.answer(page(0, GALLERY_PAGE, 300));
    await loading;
    expect(gallery.total).toBe(300);
    expect(gallery.counts?.total).toBe(300);
    expect(gallery.item(5)?.index).toBe(5);
    expect(gallery.item(GALLERY_PAGE)).toBeUndefined();
    expect(gallery.look.overlayRun).toBe(1);
    // the grid shows positions 100 to 260: pages 1 and 2, each asked once
    gallery.ensure(100, 260);
    gallery.ensure(100, 260);
    expect(client.pending.map((p) => p.input['offset'])).toEqual([GALLERY_PAGE, 2 * GALLERY_PAGE]);
    client.take('listCases').answer(page(GALLERY_PAGE, GALLERY_PAGE, 300));
    await settle();
    expect(gallery.item(GALLERY_PAGE + 3)?.index).toBe(GALLERY_PAGE + 3);
    // nothing past the end is asked for
    gallery.ensure(290, 400);
    expect(client.pending).toHaveLength(1);
  });

  it('drops a page that answers after the filter changed', async () => {
    const { client, gallery } = setup();
    const first = gallery.load([1], DEFAULT_CASE_QUERY);
    client.take('listCases').answer(page(0, GALLERY_PAGE, 500));
    await first;
    gallery.ensure(GALLERY_PAGE, GALLERY_PAGE + 10);
    const stale = client.take('listCases');
    const wrong: CaseListQuery = { ...DEFAULT_CASE_QUERY, outcome: 'wrong' };
    const second = gallery.load([1], wrong);
    const fresh = client.take('listCases');
    // the old list's page 1 answers late: dropped
    stale.answer(page(GALLERY_PAGE, GALLERY_PAGE, 500));
    await settle();
    expect(gallery.pages.size).toBe(0);
    expect(gallery.loading).toBe(true);
    fresh.answer(page(0, 7, 7));
    await second;
    expect(gallery.total).toBe(7);
    expect([...gallery.pages.keys()]).toEqual([0]);
    // the same list again is not asked for again
    await gallery.load([1], { ...wrong });
    expect(client.pending).toHaveLength(0);
  });

  it('keeps a tile right when an annotation event arrives before or after the page answer', async () => {
    const { client, gallery } = setup();
    const loading = gallery.load([1], DEFAULT_CASE_QUERY);
    const first = client.take('listCases');
    // the event comes first; the page was read before the change
    client.emit('annotationChanged', { annotation: annotation(3, ['interesting']) });
    first.answer(page(0, 10, 10));
    await loading;
    expect(gallery.item(3)?.tags).toEqual(['interesting']);
    // the event after the answer changes the loaded tile, and the counts are asked again
    client.emit('annotationChanged', { annotation: annotation(4, ['ambiguous']) });
    expect(gallery.item(4)?.tags).toEqual(['ambiguous']);
    const recount = client.pending.filter((p) => p.name === 'listCases');
    expect(recount.length).toBeGreaterThan(0);
    recount.at(-1)!.answer({ ...page(0, 1, 10), counts: counts(10, 1) });
    await settle();
    expect(gallery.counts?.tags['interesting']).toBe(1);
  });

  it('toggles a preset tag on a tile and undoes it', async () => {
    const { client, gallery } = setup();
    const loading = gallery.load([1, 2], DEFAULT_CASE_QUERY);
    client.take('listCases').answer(page(0, 10, 10, (i) => (i === 2 ? ['interesting'] : [])));
    await loading;
    expect(GalleryState.presetOf('1')).toBe('interesting');
    expect(GalleryState.presetOf('4')).toBe('ambiguous');
    expect(GalleryState.presetOf('5')).toBeNull();
    const adding = gallery.toggleTag(5, 'interesting');
    const add = client.take('annotate');
    expect(add.input).toMatchObject({ datasetId: 1, index: 5, addTags: ['interesting'], removeTags: [] });
    add.answer(annotation(5, ['interesting']));
    await adding;
    expect(gallery.item(5)?.tags).toEqual(['interesting']);
    // a tile that has the tag loses it
    const removing = gallery.toggleTag(2, 'interesting');
    expect(client.take('annotate').input).toMatchObject({ index: 2, addTags: [], removeTags: ['interesting'] });
    const undoing = gallery.undo();
    const undo = client.take('undoAnnotation');
    expect(undo.input).toEqual({ datasetId: 1 });
    undo.answer(annotation(5, []));
    await undoing;
    expect(gallery.item(5)?.tags).toEqual([]);
    expect(removing).toBeInstanceOf(Promise);
  });

  it('builds overlay URLs from the look, with a version once the run is explained again', async () => {
    const { client, gallery } = setup();
    const loading = gallery.load([4, 5], DEFAULT_CASE_QUERY);
    client.take('listCases').answer(page(0, 1, 1));
    await loading;
    const item = gallery.item(0)!;
    expect(gallery.imageSrc(item)).toBe('/overlay/4/test/0.png?map=predicted&colormap=viridis&opacity=0.60&size=128');
    gallery.look.overlayRun = 5;
    gallery.look.size = 128;
    gallery.look.map = 'spread';
    client.emit('runExplained', { runId: 5, summary: {} as never });
    expect(gallery.imageSrc(item)).toBe('/overlay/5/test/0.png?map=spread&colormap=viridis&opacity=0.60&size=128&v=1');
    gallery.look.overlay = false;
    expect(gallery.imageSrc(item)).toBe('/image/1/test/0.png');
  });

  it('follows an explanation picked elsewhere: new tile maps, and a list sorted by background share asked again', async () => {
    const { client, gallery } = setup();
    const sorted: CaseListQuery = { ...DEFAULT_CASE_QUERY, sort: 'background' };
    const loading = gallery.load([4, 5], sorted);
    client.take('listCases').answer(page(0, GALLERY_PAGE, 200));
    await loading;
    gallery.ensure(GALLERY_PAGE, GALLERY_PAGE + 10);
    client.take('listCases').answer(page(GALLERY_PAGE, 80, 200));
    await settle();
    gallery.focus = 130;
    const item = gallery.item(0)!;
    expect(gallery.imageSrc(item)).not.toContain('&v=');
    // the run page picked another explanation of run 4: the shares (and so the order) may differ
    client.emit('explanationShown', { runId: 4, explanationId: 9 });
    expect(gallery.imageSrc(item)).toContain('&v=1');
    const asked = client.pending.filter((p) => p.name === 'listCases').map((p) => p.input);
    expect(asked.map((input) => input['offset'])).toEqual([0, GALLERY_PAGE]);
    expect(asked[0]).toMatchObject({ runs: [4, 5], sort: 'background' });
    // the old tiles stay until their page answers; then the new order shows, the focus kept
    expect(gallery.item(0)?.index).toBe(0);
    const reversed = (offset: number, count: number): CasePage => ({
      ...page(offset, count, 200),
      items: Array.from({ length: count }, (_, i) => summary(199 - offset - i)),
    });
    client.take('listCases').answer(reversed(0, GALLERY_PAGE));
    client.take('listCases').answer(reversed(GALLERY_PAGE, 80));
    await settle();
    expect(gallery.item(0)?.index).toBe(199);
    expect(gallery.item(GALLERY_PAGE)?.index).toBe(199 - GALLERY_PAGE);
    expect(gallery.focus).toBe(130);
    // another run's pick, or a list not sorted by background share: no list asked for
    client.emit('explanationShown', { runId: 7, explanationId: 3 });
    expect(client.pending).toHaveLength(0);
    const byIndex = gallery.load([4, 5], DEFAULT_CASE_QUERY);
    client.take('listCases').answer(page(0, GALLERY_PAGE, 200));
    await byIndex;
    client.emit('explanationShown', { runId: 5, explanationId: 4 });
    expect(client.pending).toHaveLength(0);
    expect(gallery.imageSrc(gallery.item(0)!)).toContain('/overlay/4/');
    gallery.look.overlayRun = 5;
    expect(gallery.imageSrc(gallery.item(0)!)).toContain('&v=1');
  });

  it('shows why a list cannot load', async () => {
    const client = fakeClient();
    const gallery = new GalleryState({
      request: () =>
        Promise.resolve({ ok: false, error: { code: 'conflict', message: 'run 3 has no evaluation yet' } }),
      on: client.on,
    } as never);
    await gallery.load([3], DEFAULT_CASE_QUERY);
    expect(gallery.error).toBe('run 3 has no evaluation yet');
    expect(gallery.loading).toBe(false);
  });
});
