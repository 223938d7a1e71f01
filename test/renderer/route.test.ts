import { describe, expect, it } from 'vitest';
import { formatRoute, parseIds, parseRoute, screenOf, type Route } from '../../src/renderer/src/lib/route';
import {
  DEFAULT_CASE_QUERY,
  formatCaseQuery,
  listRequest,
  parseCaseQuery,
} from '../../src/renderer/src/lib/case-query';
import { RouterState, type RouterWindow } from '../../src/renderer/src/state/router.svelte';

describe('parseRoute', () => {
  it.each<[string, Route]>([
    ['', { view: 'datasets', datasetId: null }],
    ['#', { view: 'datasets', datasetId: null }],
    ['#/', { view: 'datasets', datasetId: null }],
    ['#/datasets/4', { view: 'datasets', datasetId: 4 }],
    ['#/runs', { view: 'runs', runId: null, sort: null }],
    ['#/runs/', { view: 'runs', runId: null, sort: null }],
    ['#/runs/12', { view: 'runs', runId: 12, sort: null }],
    ['#/runs?sort=-accuracy', { view: 'runs', runId: null, sort: '-accuracy' }],
    ['#/runs/3?sort=params', { view: 'runs', runId: 3, sort: 'params' }],
    ['#/compare/1,2,3', { view: 'compare', runIds: [1, 2, 3] }],
    [
      '#/cases/2/test/0?runs=1,2,3',
      { view: 'case', datasetId: 2, split: 'test', index: 0, runIds: [1, 2, 3], query: DEFAULT_CASE_QUERY },
    ],
    [
      '#/cases/2/test/17',
      { view: 'case', datasetId: 2, split: 'test', index: 17, runIds: [], query: DEFAULT_CASE_QUERY },
    ],
    ['#/gallery?runs=4,5', { view: 'gallery', runIds: [4, 5], query: DEFAULT_CASE_QUERY }],
    ['#/finder', { view: 'finder', runIds: [] }],
    // a training image's own view
    ['#/cases/2/train/3', { view: 'training', datasetId: 2, index: 3, runIds: [] }],
    ['#/cases/2/train/0?runs=1,2', { view: 'training', datasetId: 2, index: 0, runIds: [1, 2] }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it.each([
    '#/nowhere',
    '#/runs/abc',
    '#/runs/0',
    '#/runs/1/2',
    '#/datasets/-1',
    '#/compare/',
    '#/compare/1,x',
    '#/compare/1,1',
    '#/cases/2/val/3',
    '#/cases/2/train/x',
    '#/cases/2/test/-1',
    '#/gallery/3',
  ])('%s is no view', (hash) => {
    expect(parseRoute(hash).view).toBe('unknown');
  });

  it('drops a sort that is not a column name', () => {
    expect(parseRoute('#/runs?sort=a;b')).toEqual({ view: 'runs', runId: null, sort: null });
  });
});

describe('formatRoute', () => {
  it.each([
    '#/',
    '#/datasets/4',
    '#/runs',
    '#/runs/12',
    '#/runs/3?sort=-accuracy',
    '#/compare/3,1,2',
    '#/cases/2/test/0?runs=1,2,3',
    '#/cases/2/test/9',
    '#/gallery?runs=4,5',
    '#/gallery?runs=1,2,3&outcome=wrong&class=0&tag=background+bias&note=1&pred=2%3A1&sort=mi&order=asc',
    '#/finder?runs=1',
    '#/finder',
    '#/cases/2/train/3?runs=1,2',
  ])('round-trips %s', (hash) => {
    expect(formatRoute(parseRoute(hash))).toBe(hash);
  });

  it('writes the canonical form of a sloppy hash', () => {
    expect(formatRoute(parseRoute('#runs/7/'))).toBe('#/runs/7');
    expect(formatRoute(parseRoute('#/datasets'))).toBe('#/');
  });
});

describe('parseIds and screenOf', () => {
  it('reads a list of ids', () => {
    expect(parseIds('1, 2,3')).toEqual([1, 2, 3]);
    expect(parseIds('')).toBeNull();
    expect(parseIds('2,,3')).toBeNull();
  });
  it('puts compare under Runs', () => {
    expect(screenOf({ view: 'compare', runIds: [1, 2] })).toBe('runs');
    expect(screenOf({ view: 'datasets', datasetId: 1 })).toBe('datasets');
    expect(screenOf({ view: 'unknown', hash: '/x' })).toBeNull();
    expect(screenOf({ view: 'gallery', runIds: [1], query: DEFAULT_CASE_QUERY })).toBe('gallery');
    expect(screenOf({ view: 'finder', runIds: [1] })).toBe('finder');
  });
});

/** A window whose location and history are plain fields; `back` fires hashchange as a browser does. */
function fakeWindow(initial: string): RouterWindow & { entries: string[]; back(): void } {
  const listeners = new Set<() => void>();
  const entries = [initial];
  let hash = initial;
  const fire = (): void => listeners.forEach((listener) => listener());
  return {
    entries,
    location: {
      get hash() {
        return hash;
      },
      set hash(value: string) {
        hash = value;
        entries.push(value);
        fire();
      },
    },
    history: {
      replaceState(_data: unknown, _unused: string, url?: string) {
        hash = url ?? hash;
        entries[entries.length - 1] = hash;
      },
    },
    addEventListener: (_type, listener) => listeners.add(listener),
    removeEventListener: (_type, listener) => listeners.delete(listener),
    back() {
      entries.pop();
      hash = entries.at(-1) ?? '';
      fire();
    },
  };
}

describe('RouterState', () => {
  it('starts from the location, pushes entries with go, and follows Back', () => {
    const target = fakeWindow('#/runs/2');
    const router = new RouterState(target);
    const dispose = router.listen();
    expect(router.route).toEqual({ view: 'runs', runId: 2, sort: null });

    router.go({ view: 'compare', runIds: [2, 5] });
    expect(target.entries).toEqual(['#/runs/2', '#/compare/2,5']);
    expect(router.route).toEqual({ view: 'compare', runIds: [2, 5] });
    // the same route again adds no entry
    router.go({ view: 'compare', runIds: [2, 5] });
    expect(target.entries).toHaveLength(2);

    target.back();
    expect(router.route).toEqual({ view: 'runs', runId: 2, sort: null });

    router.replace({ view: 'runs', runId: 2, sort: '-params' });
    expect(target.entries).toEqual(['#/runs/2?sort=-params']);
    dispose();
    target.location.hash = '#/';
    expect(router.route.view).toBe('runs');
  });
});

describe('the case list in a URL', () => {
  it('round-trips every filter and sort, and leaves defaults out', () => {
    const query = {
      outcome: 'disagree' as const,
      trueClass: 2,
      tag: 'mislabelled?',
      note: false,
      predicted: [
        { runId: 3, class: 1 },
        { runId: 4, class: 0 },
      ],
      sort: 'background' as const,
      order: 'asc' as const,
      finder: 'mislabelled' as const,
      region: null,
    };
    expect(parseCaseQuery(formatCaseQuery(query))).toEqual(query);
    expect(formatCaseQuery(DEFAULT_CASE_QUERY).toString()).toBe('');
    const route = parseRoute(`#/cases/1/test/17?runs=3,4&${formatCaseQuery(query).toString()}`);
    expect(route).toMatchObject({ view: 'case', index: 17, runIds: [3, 4], query });
    expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it('falls back to the defaults on malformed parameters', () => {
    expect(
      parseCaseQuery(
        new URLSearchParams('outcome=sideways&class=-1&note=maybe&pred=x:1&sort=size&order=up&tag=%20&finder=best'),
      ),
    ).toEqual(DEFAULT_CASE_QUERY);
  });

  it('becomes the listCases request of a page', () => {
    const query = parseCaseQuery(new URLSearchParams('outcome=wrong&class=1&note=1&sort=mi'));
    expect(listRequest([1, 2], query, { offset: 100, limit: 50 })).toEqual({
      runs: [1, 2],
      filter: { outcome: 'wrong', predicted: [], trueClass: 1, hasNote: true },
      sort: 'mi',
      offset: 100,
      limit: 50,
    });
  });
});
