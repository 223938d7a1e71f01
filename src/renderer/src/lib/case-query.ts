/**
 * The case list a gallery, a case view's previous/next and a link share: its filter and sort, as
 * URL query parameters beside `runs=`. Pure; `parseCaseQuery(formatCaseQuery(q))` gives back q.
 *
 *   outcome=wrong|right|disagree   class=<k>   tag=<text>   note=1|0   pred=<runId>:<k> (repeated)
 *   sort=confidence|entropy|mi|variation|background|dependence|disagreement|index   order=asc|desc
 *   finder=<list>   a case opened from one of the finder's lists: previous/next walk that list
 *                   (under the finder's thresholds) and Esc returns to the finder
 *   region=<runId>_<x>_<y>_<x>_<y>_…   only the images inside this polygon (a box or lasso
 *                   selection) of the run's embedding map, in map coordinates (4 decimals)
 */
import { CaseOutcome, CaseSort, FinderList, type ListCasesRequest, type MapRegion } from '../../../shared/contract';

export interface CaseListQuery {
  outcome: CaseOutcome;
  trueClass: number | null;
  tag: string | null;
  note: boolean | null;
  predicted: { runId: number; class: number }[];
  sort: CaseSort;
  order: 'asc' | 'desc' | null;
  /** The finder list the case was opened from (the gallery's filters do not apply then), or null. */
  finder: FinderList | null;
  /** A selection on a run's embedding map: only the images inside it, or null. */
  region: MapRegion | null;
}

export const DEFAULT_CASE_QUERY: CaseListQuery = {
  outcome: 'any',
  trueClass: null,
  tag: null,
  note: null,
  predicted: [],
  sort: 'index',
  order: null,
  finder: null,
  region: null,
};

/** A map coordinate as the address writes it: at most 4 decimals (a selection may reach past the map's [0, 1]). */
const coordinate = (v: number): string => String(Math.round(Math.min(100, Math.max(-100, v)) * 10_000) / 10_000);

/** `3_0.1_0.2_0.5_0.2_0.5_0.6` (the run, then x and y of each corner) ↔ a region of run 3's map. */
export function formatRegion(region: MapRegion): string {
  return [String(region.runId), ...region.polygon.flatMap(([x, y]) => [coordinate(x), coordinate(y)])].join('_');
}

/** The region an address gives back (null when malformed): what a selection is once written down. */
export function parseRegion(text: string | null): MapRegion | null {
  if (text === null) return null;
  const [head, ...values] = text.split('_');
  if (head === undefined || !/^[1-9]\d{0,14}$/.test(head)) return null;
  if (values.length < 6 || values.length > 1000 || values.length % 2 !== 0) return null;
  if (!values.every((v) => /^-?\d{1,3}(?:\.\d{1,4})?$/.test(v))) return null;
  const numbers = values.map(Number);
  if (numbers.some((v) => Math.abs(v) > 100)) return null;
  const polygon: [number, number][] = [];
  for (let k = 0; k < numbers.length; k += 2) polygon.push([numbers[k] ?? 0, numbers[k + 1] ?? 0]);
  return { runId: Number(head), polygon };
}

/** A region as the address will hold it (coordinates rounded), so the map shows what the gallery will list. */
export function roundedRegion(region: MapRegion): MapRegion {
  return parseRegion(formatRegion(region)) ?? region;
}

const wholeNumber = (text: string | null): number | null =>
  text !== null && /^(0|[1-9]\d{0,8})$/.test(text) ? Number(text) : null;

/** Reads the query's case-list parameters; anything malformed falls back to its default. */
export function parseCaseQuery(params: URLSearchParams): CaseListQuery {
  const outcome = CaseOutcome.safeParse(params.get('outcome'));
  const sort = CaseSort.safeParse(params.get('sort'));
  const order = params.get('order');
  const note = params.get('note');
  const tag = params.get('tag');
  const finder = FinderList.safeParse(params.get('finder'));
  const predicted = params.getAll('pred').flatMap((text) => {
    const match = /^([1-9]\d{0,14}):(0|[1-9]\d{0,3})$/.exec(text);
    return match ? [{ runId: Number(match[1]), class: Number(match[2]) }] : [];
  });
  return {
    outcome: outcome.success ? outcome.data : 'any',
    trueClass: wholeNumber(params.get('class')),
    tag: tag !== null && tag.trim() !== '' ? tag : null,
    note: note === '1' ? true : note === '0' ? false : null,
    predicted,
    sort: sort.success ? sort.data : 'index',
    order: order === 'asc' || order === 'desc' ? order : null,
    finder: finder.success ? finder.data : null,
    region: parseRegion(params.get('region')),
  };
}

/** The query's parameters (defaults left out), in a fixed order. */
export function formatCaseQuery(query: CaseListQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.outcome !== 'any') params.set('outcome', query.outcome);
  if (query.trueClass !== null) params.set('class', String(query.trueClass));
  if (query.tag !== null) params.set('tag', query.tag);
  if (query.note !== null) params.set('note', query.note ? '1' : '0');
  for (const p of query.predicted) params.append('pred', `${p.runId}:${p.class}`);
  if (query.sort !== 'index') params.set('sort', query.sort);
  if (query.order !== null) params.set('order', query.order);
  if (query.finder !== null) params.set('finder', query.finder);
  if (query.region !== null) params.set('region', formatRegion(query.region));
  return params;
}

/** The `listCases` request of a page of the list. */
export function listRequest(
  runIds: readonly number[],
  query: CaseListQuery,
  page: { offset: number; limit: number },
): ListCasesRequest {
  return {
    runs: [...runIds],
    filter: {
      outcome: query.outcome,
      predicted: query.predicted,
      ...(query.trueClass !== null ? { trueClass: query.trueClass } : {}),
      ...(query.tag !== null ? { tag: query.tag } : {}),
      ...(query.note !== null ? { hasNote: query.note } : {}),
      ...(query.region !== null ? { region: query.region } : {}),
    },
    sort: query.sort,
    ...(query.order !== null ? { order: query.order } : {}),
    offset: page.offset,
    limit: page.limit,
  };
}
