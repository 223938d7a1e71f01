/**
 * The app's URLs: every view lives in the location's hash, so a view can be reloaded, reached with
 * Back and Forward, and pasted into a note as a plain link (`<a href="#/runs/3">`).
 *
 *   #/                                   datasets
 *   #/datasets/<id>                      a dataset's browser
 *   #/runs[?sort=<key>|-<key>]           the runs table (sorted by a column, "-" descending)
 *   #/runs/<id>[?sort=…]                 a run's page (below the table)
 *   #/compare/<id>,<id>…                 runs side by side (2 to 6)
 *   #/cases/<dataset>/test/<index>?runs=1,2,3[&<case list>]   one test image across runs
 *   #/cases/<dataset>/train/<index>?runs=1,2,3   a training image: its label, note, nearest training images
 *   #/gallery?runs=1,2,3[&<case list>]   the test images of runs, filtered and sorted
 *   #/finder?runs=1,2,3                  the interesting-case finder
 *   #/map/<run>[?colour=<field>&tag=<t>] a run's embedding map, coloured by a field
 *
 * <case list>: the filter and sort of the list a case belongs to (lib/case-query.ts), so a
 * gallery, a case's previous/next and a pasted link all show the same list.
 *
 * Parsing and formatting are pure and inverse to each other for every route they produce.
 */

import { MAP_COLOUR_BY, type MapColourBy } from '../../../shared/figures/embedding-map';
import { DEFAULT_CASE_QUERY, formatCaseQuery, parseCaseQuery, type CaseListQuery } from './case-query';

export const MIN_COMPARED = 2;
export const MAX_COMPARED = 6;

export type Route =
  | { view: 'datasets'; datasetId: number | null }
  | { view: 'runs'; runId: number | null; sort: string | null }
  | { view: 'compare'; runIds: number[] }
  | { view: 'case'; datasetId: number; split: 'test'; index: number; runIds: number[]; query: CaseListQuery }
  | { view: 'training'; datasetId: number; index: number; runIds: number[] }
  | { view: 'gallery'; runIds: number[]; query: CaseListQuery }
  | { view: 'finder'; runIds: number[] }
  | { view: 'map'; runId: number; colourBy: MapColourBy; tag: string | null }
  /** A hash no view answers to: shown as such, never silently turned into another view. */
  | { view: 'unknown'; hash: string };

export type View = Route['view'];

export const HOME: Route = { view: 'datasets', datasetId: null };

/** A positive integer id written in decimal, or null. */
function id(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9]\d{0,14}$/.test(text)) return null;
  return Number(text);
}

/** "1,2,3" → [1, 2, 3]; null when any part is not an id or an id repeats. */
export function parseIds(text: string | null | undefined): number[] | null {
  if (text === null || text === undefined || text === '') return null;
  const ids = text.split(',').map((part) => id(part.trim()));
  if (ids.some((value) => value === null)) return null;
  const unique = ids as number[];
  return new Set(unique).size === unique.length ? unique : null;
}

const SORT = /^-?[a-zA-Z][\w]*$/;

/** Parses a location hash ("#/runs/3", "", "#/compare/1,2"). */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  const path = pathPart.replace(/^\/+/, '').replace(/\/+$/, '');
  const parts = path === '' ? [] : path.split('/');
  const query = new URLSearchParams(queryPart);
  const unknown: Route = { view: 'unknown', hash: raw };
  const [head, ...rest] = parts;

  switch (head) {
    case undefined:
      return HOME;
    case 'datasets': {
      if (rest.length === 0) return HOME;
      const datasetId = rest.length === 1 ? id(rest[0]) : null;
      return datasetId === null ? unknown : { view: 'datasets', datasetId };
    }
    case 'runs': {
      const sortText = query.get('sort');
      const sort = sortText !== null && SORT.test(sortText) ? sortText : null;
      if (rest.length === 0) return { view: 'runs', runId: null, sort };
      const runId = rest.length === 1 ? id(rest[0]) : null;
      return runId === null ? unknown : { view: 'runs', runId, sort };
    }
    case 'compare': {
      const runIds = rest.length === 1 ? parseIds(rest[0]) : null;
      return runIds === null ? unknown : { view: 'compare', runIds };
    }
    case 'cases': {
      const [dataset, split, index] = rest;
      const datasetId = id(dataset);
      const imageIndex = index !== undefined && /^(0|[1-9]\d{0,8})$/.test(index) ? Number(index) : null;
      if (rest.length !== 3 || datasetId === null || imageIndex === null) return unknown;
      if (split === 'train')
        return { view: 'training', datasetId, index: imageIndex, runIds: parseIds(query.get('runs')) ?? [] };
      if (split !== 'test') return unknown;
      return {
        view: 'case',
        datasetId,
        split,
        index: imageIndex,
        runIds: parseIds(query.get('runs')) ?? [],
        query: parseCaseQuery(query),
      };
    }
    case 'gallery':
      return rest.length === 0
        ? { view: 'gallery', runIds: parseIds(query.get('runs')) ?? [], query: parseCaseQuery(query) }
        : unknown;
    case 'finder':
      return rest.length === 0 ? { view: 'finder', runIds: parseIds(query.get('runs')) ?? [] } : unknown;
    case 'map': {
      const runId = rest.length === 1 ? id(rest[0]) : null;
      if (runId === null) return unknown;
      const colour = query.get('colour');
      const tag = query.get('tag');
      return {
        view: 'map',
        runId,
        colourBy: MAP_COLOUR_BY.find((by) => by === colour) ?? 'true',
        tag: tag !== null && tag.trim() !== '' ? tag : null,
      };
    }
    default:
      return unknown;
  }
}

/** `?runs=1,2&outcome=wrong…`: the runs first (commas kept readable), then the case list. */
function runsQuery(runIds: readonly number[], query: CaseListQuery = DEFAULT_CASE_QUERY): string {
  const list = formatCaseQuery(query).toString();
  const parts = [...(runIds.length > 0 ? [`runs=${runIds.join(',')}`] : []), ...(list === '' ? [] : [list])];
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** The hash of a route, with its "#": `formatRoute(parseRoute(h))` is the canonical form of h. */
export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'datasets':
      return route.datasetId === null ? '#/' : `#/datasets/${route.datasetId}`;
    case 'runs': {
      const sort = route.sort === null ? '' : `?sort=${route.sort}`;
      return route.runId === null ? `#/runs${sort}` : `#/runs/${route.runId}${sort}`;
    }
    case 'compare':
      return `#/compare/${route.runIds.join(',')}`;
    case 'case':
      return `#/cases/${route.datasetId}/${route.split}/${route.index}${runsQuery(route.runIds, route.query)}`;
    case 'training':
      return `#/cases/${route.datasetId}/train/${route.index}${runsQuery(route.runIds)}`;
    case 'gallery':
      return `#/gallery${runsQuery(route.runIds, route.query)}`;
    case 'finder':
      return `#/finder${runsQuery(route.runIds)}`;
    case 'map': {
      const params = new URLSearchParams();
      if (route.colourBy !== 'true') params.set('colour', route.colourBy);
      if (route.tag !== null) params.set('tag', route.tag);
      const text = params.toString();
      return `#/map/${route.runId}${text === '' ? '' : `?${text}`}`;
    }
    case 'unknown':
      return `#${route.hash}`;
  }
}

/** Shorthands for links. */
export const href = {
  datasets: (): string => '#/',
  dataset: (id: number): string => formatRoute({ view: 'datasets', datasetId: id }),
  runs: (sort: string | null = null): string => formatRoute({ view: 'runs', runId: null, sort }),
  run: (id: number, sort: string | null = null): string => formatRoute({ view: 'runs', runId: id, sort }),
  compare: (ids: readonly number[]): string => formatRoute({ view: 'compare', runIds: [...ids] }),
  gallery: (ids: readonly number[], query: CaseListQuery = DEFAULT_CASE_QUERY): string =>
    formatRoute({ view: 'gallery', runIds: [...ids], query }),
  case: (datasetId: number, index: number, ids: readonly number[], query: CaseListQuery = DEFAULT_CASE_QUERY): string =>
    formatRoute({ view: 'case', datasetId, split: 'test', index, runIds: [...ids], query }),
  finder: (ids: readonly number[]): string => formatRoute({ view: 'finder', runIds: [...ids] }),
  training: (datasetId: number, index: number, ids: readonly number[]): string =>
    formatRoute({ view: 'training', datasetId, index, runIds: [...ids] }),
  map: (runId: number, colourBy: MapColourBy = 'true', tag: string | null = null): string =>
    formatRoute({ view: 'map', runId, colourBy, tag }),
};

/** The screen a route belongs to in the top navigation. */
export function screenOf(route: Route): 'datasets' | 'runs' | 'gallery' | 'finder' | 'map' | null {
  if (route.view === 'datasets') return 'datasets';
  if (route.view === 'map') return 'map';
  if (route.view === 'gallery') return 'gallery';
  if (route.view === 'finder') return 'finder';
  if (route.view === 'runs' || route.view === 'compare') return 'runs';
  return null;
}
