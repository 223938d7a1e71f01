/**
 * The case queries against a reference written in plain TypeScript, over seeded random studies with
 * what the hand-made fixture lacks at scale: ties (values on a 0.1 grid), runs that did not
 * evaluate every image, runs without mutual information or maps, tags and notes. Every sort in
 * both orders, every outcome with and without annotation filters, paged, with the sidebar counts,
 * and every finder list with its total: the SQL must give exactly what the definitions say.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CaseSort,
  FINDER_TITLES,
  FindCasesRequest,
  GetCaseRequest,
  ListCasesRequest,
  defaultRunConfig,
  type CaseCounts,
  type CaseFilter,
  type FinderList,
  type FinderThresholds,
} from '../../src/shared/contract';
import type { ImagePrediction } from '../../src/main/lab/evaluation/report';
import { CaseService } from '../../src/main/lab/cases/cases';
import { openStores } from '../../src/main/lab/store/index';
import { openDatabase, type Db } from '../../src/main/lab/store/database';
import { BackgroundStore } from '../../src/main/lab/store/background';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { ExplanationStore } from '../../src/main/lab/store/explanations';
import { RunStore } from '../../src/main/lab/store/runs';
import { seededRandom } from '../../src/main/lab/training/random';
import { emptyExplanation, emptyMetrics } from '../helpers/summaries';
import { syntheticDataset } from '../helpers/synthetic';

const CLASSES = ['deer', 'frog', 'truck'];
const K = CLASSES.length;

/** What one run says of one image (absent: the run did not evaluate it). */
interface Said {
  predicted: number;
  confidence: number;
  entropy: number;
  mi: number | null;
  variation: number | null;
  majority: number | null;
  background: number | null;
  /** The background test (null: the run has none). */
  dependence: number | null;
  flips: boolean | null;
}

interface Truth {
  labels: number[];
  /** Per run, per image. */
  said: (Said | null)[][];
  /** Per run, its seed group's key (runs of one family differ only by seed: one group). */
  groupOf: number[];
  tags: Map<number, string[]>;
  notes: Map<number, string>;
}

interface RandomStudy {
  db: Db;
  datasetId: number;
  cases: CaseService;
  runIds: number[];
  truth: Truth;
}

let open: Db | null = null;
afterEach(() => {
  open?.close();
  open = null;
});

/** A seeded study: `runs` runs over 3 × `perClass` test images. */
function randomStudy(seed: number, runs: number, perClass = 40): RandomStudy {
  const random = seededRandom(seed);
  const grid = (lo: number, hi: number) => Math.round((lo + random() * (hi - lo)) * 10) / 10;
  const db = openDatabase(':memory:');
  open = db;
  const datasets = new DatasetStore(db);
  const store = new RunStore(db);
  const { dataset } = datasets.add(syntheticDataset({ test: perClass, seed }));
  const n = perClass * K;
  const labels = Array.from({ length: n }, (_, i) => i % K);
  const evaluations = new EvaluationStore(db);
  const explanations = new ExplanationStore(db);
  const background = new BackgroundStore(db);
  const said: (Said | null)[][] = [];
  const runIds: number[] = [];
  const groupOf: number[] = [];
  for (let r = 0; r < runs; r++) {
    const model = (['cnn', 'vnn', 'mcdropout'] as const)[r % 3] ?? 'cnn';
    const stochastic = model !== 'cnn';
    const explained = r % 2 === 0;
    const tested = r % 3 !== 2;
    const run = store.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      // runs of one family differ only by seed: a seed group
      config: { ...defaultRunConfig(model), seed: 42 + r },
    });
    groupOf.push(r % 3);
    store.setStatus(run.id, 'done');
    // the second run skipped a fifth of the images (an evaluation of a sample)
    const row = labels.map((label, i): Said | null => {
      if (r === 1 && random() < 0.2) return null;
      const predicted = random() < 0.6 ? label : Math.floor(random() * K);
      return {
        predicted,
        confidence: grid(0.4, 1),
        entropy: grid(0, 1.1),
        mi: stochastic ? grid(0, 0.4) : null,
        variation: stochastic ? grid(0, 0.6) : null,
        majority: stochastic ? (random() < 0.1 ? (predicted + 1) % K : predicted) : null,
        background: explained && i % 7 !== 3 ? grid(0, 1) : null,
        dependence: tested ? grid(0, 1) : null,
        flips: tested ? random() < 0.2 : null,
      };
    });
    const images: ImagePrediction[] = row.flatMap((s, index) =>
      s === null
        ? []
        : [
            {
              index,
              label: labels[index] ?? 0,
              predicted: s.predicted,
              confidence: s.confidence,
              probabilities: CLASSES.map((_, k) => (k === s.predicted ? s.confidence : (1 - s.confidence) / 2)),
              entropy: s.entropy,
              mutualInformation: s.mi,
              variationRatio: s.variation,
              majority: s.majority,
              boxplots: null,
            },
          ],
    );
    const evaluationId = evaluations.add(
      run.id,
      emptyMetrics({ images: images.length, samples: stochastic ? 4 : 1 }),
      images,
    );
    if (tested)
      background.add(
        run.id,
        {
          evaluationId,
          samples: 1,
          images: images.length,
          meanDependence: 0,
          meanCentreDependence: 0,
          flips: 0,
          flipsBlur: 0,
          flipsMean: 0,
          flipsRight: 0,
          ringArea: 0.25,
          blurSigma: 2,
          seconds: 0,
        },
        row.flatMap((s, index) =>
          s === null
            ? []
            : [
                {
                  index,
                  label: labels[index] ?? 0,
                  predicted: s.predicted,
                  dependence: s.dependence ?? 0,
                  centreDependence: 0.1,
                  flips: s.flips ?? false,
                  flippedTo: s.flips ? (s.predicted + 1) % K : null,
                  probabilities: [0, 1, 2, 3, 4].map((v) =>
                    CLASSES.map((_, k) =>
                      k === (v === 1 && s.flips ? (s.predicted + 1) % K : s.predicted) ? 0.8 : 0.1,
                    ),
                  ),
                },
              ],
        ),
      );
    if (explained)
      explanations.add(
        run.id,
        emptyExplanation({ layer: 'conv', images: n, mapShape: [2, 2], meanBackground: 0.3 }),
        row.flatMap((s, index) =>
          s === null || s.background === null
            ? []
            : [
                {
                  index,
                  label: labels[index] ?? 0,
                  predicted: s.predicted,
                  probability: s.confidence,
                  background: s.background,
                  map: new Float32Array(4),
                  std: null,
                  trueMap: null,
                  trueStd: null,
                },
              ],
        ),
      );
    said.push(row);
    runIds.push(run.id);
  }
  const cases = new CaseService(openStores(db));
  const tags = new Map<number, string[]>();
  const notes = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const roll = random();
    if (roll > 0.25) continue;
    const tagged = roll < 0.15 ? [roll < 0.07 ? 'odd' : 'check'] : [];
    const note = roll > 0.1 ? `note ${i}` : '';
    cases.annotate({ datasetId: dataset.id, split: 'test', index: i, addTags: tagged, removeTags: [], note });
    if (tagged.length > 0) tags.set(i, tagged);
    if (note !== '') notes.set(i, note);
  }
  return { db, datasetId: dataset.id, cases, runIds, truth: { labels, said, groupOf, tags, notes } };
}

// ---- the reference: the definitions, in plain TypeScript ----

interface Image {
  idx: number;
  label: number;
  runs: Said[];
  /** The runs' values by position, null where a run did not evaluate the image. */
  byRun: (Said | null)[];
  /** min(k, n − k) / n of the most unstable seed group (wrong in k of its n seeds that said something). */
  unstable: number;
}

function unstableOf(groupOf: number[], byRun: (Said | null)[], label: number): number {
  let most = 0;
  for (const g of new Set(groupOf)) {
    const members = groupOf.flatMap((x, j) => (x === g ? [j] : []));
    if (members.length < 2) continue;
    const said = members.map((j) => byRun[j]).filter((x): x is Said => x !== null && x !== undefined);
    const k = said.filter((x) => x.predicted !== label).length;
    if (said.length > 0) most = Math.max(most, Math.min(k, said.length - k) / said.length);
  }
  return most;
}

function images(truth: Truth): Image[] {
  return truth.labels.flatMap((label, idx) => {
    const byRun = truth.said.map((row) => row[idx] ?? null);
    const runs = byRun.filter((s): s is Said => s !== null);
    return runs.length === 0 ? [] : [{ idx, label, runs, byRun, unstable: unstableOf(truth.groupOf, byRun, label) }];
  });
}

const mean = (xs: (number | null)[]): number | null => {
  const present = xs.filter((x): x is number => x !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
};
const wrongAny = (c: Image) => c.runs.some((s) => s.predicted !== c.label);
const rightAll = (c: Image) => c.runs.every((s) => s.predicted === c.label);
const disagree = (c: Image) => new Set(c.runs.map((s) => s.predicted)).size > 1;
const disagreement = (c: Image) =>
  c.runs.length - Math.max(...c.runs.map((s) => c.runs.filter((o) => o.predicted === s.predicted).length));

type Key = (c: Image) => number | null;
const SORT_KEYS: Record<Exclude<CaseSort, 'index'>, Key[]> = {
  confidence: [(c) => mean(c.runs.map((s) => s.confidence))],
  entropy: [(c) => mean(c.runs.map((s) => s.entropy))],
  mi: [(c) => mean(c.runs.map((s) => s.mi))],
  variation: [(c) => mean(c.runs.map((s) => s.variation))],
  background: [(c) => mean(c.runs.map((s) => s.background))],
  dependence: [(c) => mean(c.runs.map((s) => s.dependence))],
  disagreement: [(c) => (c.byRun.length < 2 ? 0 : disagreement(c)), (c) => mean(c.runs.map((s) => s.entropy))],
};

/** Keys compared in `direction`, NULLs last, ties by index. */
function compareBy(keys: Key[], direction: 1 | -1) {
  return (a: Image, b: Image): number => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x === null && y === null) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      if (x !== y) return (x - y) * direction;
    }
    return a.idx - b.idx;
  };
}

function sorted(all: Image[], sort: CaseSort, order: 'asc' | 'desc'): Image[] {
  const direction = order === 'asc' ? 1 : -1;
  if (sort === 'index') return [...all].sort((a, b) => (a.idx - b.idx) * direction);
  return [...all].sort(compareBy(SORT_KEYS[sort], direction));
}

function filtered(truth: Truth, all: Image[], filter: CaseFilter, runIds: number[]): Image[] {
  return all.filter((c) => {
    if (filter.trueClass !== undefined && c.label !== filter.trueClass) return false;
    for (const { runId, class: k } of filter.predicted ?? [])
      if (c.byRun[runIds.indexOf(runId)]?.predicted !== k) return false;
    if (filter.outcome === 'wrong' && !wrongAny(c)) return false;
    if (filter.outcome === 'right' && !rightAll(c)) return false;
    if (filter.outcome === 'disagree' && !disagree(c)) return false;
    if (filter.outcome === 'unstable' && !(c.unstable > 0)) return false;
    if (filter.tag !== undefined && !(truth.tags.get(c.idx) ?? []).includes(filter.tag)) return false;
    if (filter.hasNote !== undefined && truth.notes.has(c.idx) !== filter.hasNote) return false;
    return true;
  });
}

/**
 * The sidebar's counts of the list `rows`; the outcome facet (any, wrong, right, disagree) counts
 * `outcomeRows`, the list filtered by everything but the outcome (FiftyOne's rule for a field's own values).
 */
function counts(truth: Truth, rows: Image[], outcomeRows: Image[]): CaseCounts {
  const tags: Record<string, number> = {};
  for (const c of rows) for (const tag of truth.tags.get(c.idx) ?? []) tags[tag] = (tags[tag] ?? 0) + 1;
  return {
    total: rows.length,
    any: outcomeRows.length,
    trueClass: Object.fromEntries(CLASSES.map((name, k) => [name, rows.filter((c) => c.label === k).length])),
    wrong: outcomeRows.filter(wrongAny).length,
    right: outcomeRows.filter(rightAll).length,
    disagree: outcomeRows.filter(disagree).length,
    unstable: outcomeRows.filter((c) => c.unstable > 0).length,
    noted: rows.filter((c) => truth.notes.has(c.idx)).length,
    tags: Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b))),
  };
}

const max = (xs: (number | null)[]) => {
  const present = xs.filter((x): x is number => x !== null);
  return present.length === 0 ? null : Math.max(...present);
};

const LISTS: Record<FinderList, { where: (c: Image, t: FinderThresholds) => boolean; keys: Key[] }> = {
  'confidently-wrong': {
    where: (c, t) => c.runs.some((s) => s.predicted !== c.label && s.confidence >= t.confidence),
    keys: [(c) => max(c.runs.map((s) => (s.predicted !== c.label ? s.confidence : null)))],
  },
  uncertain: {
    where: () => true,
    keys: [
      (c) => mean(c.runs.map((s) => s.mi)) ?? mean(c.runs.map((s) => s.entropy)),
      (c) => mean(c.runs.map((s) => s.entropy)),
    ],
  },
  disagree: { where: disagree, keys: [disagreement, (c) => mean(c.runs.map((s) => s.entropy))] },
  unstable: { where: (c) => c.unstable > 0, keys: [(c) => c.unstable, (c) => mean(c.runs.map((s) => s.entropy))] },
  'background-reliant': {
    where: (c, t) =>
      c.runs.some((s) => s.predicted === c.label && s.background !== null && s.background >= t.background),
    keys: [(c) => max(c.runs.map((s) => (s.predicted === c.label ? s.background : null)))],
  },
  'background-decided': {
    where: (c) => c.runs.some((s) => s.flips === true),
    keys: [
      (c) => max(c.runs.map((s) => (s.flips ? s.dependence : null))),
      (c) => mean(c.runs.map((s) => s.dependence)),
    ],
  },
  fragile: {
    where: (c, t) =>
      c.runs.some(
        (s) =>
          (s.majority !== null && s.majority !== s.predicted) || (s.variation !== null && s.variation >= t.variation),
      ),
    keys: [(c) => max(c.runs.map((s) => s.variation))],
  },
  mislabelled: {
    where: (c, t) => {
      const [first] = c.byRun;
      return (
        first !== null &&
        first !== undefined &&
        first.predicted !== c.label &&
        c.byRun.every((s) => s !== null && s.predicted === first.predicted && s.confidence >= t.mislabelled)
      );
    },
    keys: [(c) => Math.min(...c.runs.map((s) => s.confidence))],
  },
};

// ---- the comparisons ----

const SORTS = CaseSort.options;
const FILTERS = (runIds: number[]): CaseFilter[] => [
  {},
  { outcome: 'wrong' },
  { outcome: 'right' },
  { outcome: 'disagree' },
  { outcome: 'unstable' },
  { trueClass: 1, outcome: 'wrong' },
  { predicted: [{ runId: runIds[runIds.length - 1] ?? 0, class: 2 }] },
  { tag: 'odd' },
  { hasNote: true, outcome: 'wrong' },
  { hasNote: false },
  { hasNote: false, tag: 'check' },
];

function checkLists(study: RandomStudy, runIds: number[], pageSize: number): void {
  const positions = runIds.map((id) => study.runIds.indexOf(id));
  const truth: Truth = {
    ...study.truth,
    said: positions.map((j) => study.truth.said[j] ?? []),
    groupOf: positions.map((j) => study.truth.groupOf[j] ?? -1 - j),
  };
  const all = images(truth);
  for (const filter of FILTERS(runIds))
    for (const sort of SORTS)
      for (const order of ['asc', 'desc'] as const) {
        const expected = sorted(filtered(truth, all, filter, runIds), sort, order);
        const { outcome: _outcome, ...others } = filter;
        const expectedCounts = counts(truth, expected, filtered(truth, all, others, runIds));
        const got: number[] = [];
        for (let offset = 0; ; offset += pageSize) {
          const page = study.cases.list(
            ListCasesRequest.parse({ runs: runIds, filter, sort, order, offset, limit: pageSize }),
          );
          expect(page.counts, JSON.stringify({ filter, sort, order, offset })).toEqual(expectedCounts);
          expect(page.total).toBe(expected.length);
          got.push(...page.items.map((c) => c.index));
          if (page.items.length < pageSize) break;
        }
        expect(got, JSON.stringify({ runIds, filter, sort, order })).toEqual(expected.map((c) => c.idx));
      }
}

function checkFinder(study: RandomStudy, runIds: number[], thresholds: FinderThresholds): void {
  const positions = runIds.map((id) => study.runIds.indexOf(id));
  const truth: Truth = {
    ...study.truth,
    said: positions.map((j) => study.truth.said[j] ?? []),
    groupOf: positions.map((j) => study.truth.groupOf[j] ?? -1 - j),
  };
  const all = images(truth);
  const result = study.cases.find(FindCasesRequest.parse({ runs: runIds, limit: 15, thresholds }));
  for (const found of result.lists) {
    const def = LISTS[found.list];
    const qualifying =
      found.list === 'disagree' && runIds.length < 2 ? [] : all.filter((c) => def.where(c, thresholds));
    const ranked = [...qualifying].sort(compareBy(def.keys, -1)).slice(0, 15);
    expect(found.title).toBe(FINDER_TITLES[found.list]);
    expect(found.total, found.list).toBe(qualifying.length);
    expect(
      found.entries.map((e) => [e.index, e.score]),
      found.list,
    ).toEqual(ranked.map((c) => [c.idx, def.keys[0]?.(c) ?? 0]));
  }
}

/** One case's reasons: the lists (at the default thresholds) the image is on, with its score on each. */
function checkReasons(study: RandomStudy, runIds: number[]): void {
  const positions = runIds.map((id) => study.runIds.indexOf(id));
  const truth: Truth = {
    ...study.truth,
    said: positions.map((j) => study.truth.said[j] ?? []),
    groupOf: positions.map((j) => study.truth.groupOf[j] ?? -1 - j),
  };
  const thresholds = FindCasesRequest.parse({ runs: runIds }).thresholds;
  for (const c of images(truth)) {
    const detail = study.cases.get(GetCaseRequest.parse({ datasetId: study.datasetId, index: c.idx, runs: runIds }));
    const expected = (Object.keys(LISTS) as FinderList[]).flatMap((list) =>
      (list === 'disagree' && runIds.length < 2) || !LISTS[list].where(c, thresholds)
        ? []
        : [[list, LISTS[list].keys[0]?.(c) ?? 0]],
    );
    expect(
      detail.reasons.map((r) => [r.list, r.score]),
      `image ${c.idx}`,
    ).toEqual(expected);
  }
}

describe('case queries agree with their definitions', () => {
  it('over three runs: every sort, order, filter, page and count', () => {
    const study = randomStudy(11, 3);
    checkLists(study, study.runIds, 25);
  });

  it('over one run, and over six runs in another order', () => {
    const study = randomStudy(23, 6, 20);
    checkLists(study, [study.runIds[1] ?? 0], 40);
    checkLists(study, [...study.runIds].reverse(), 50);
  });

  it('the finder: each list’s entries, scores and totals, at two sets of thresholds', () => {
    const study = randomStudy(37, 4);
    const defaults = FindCasesRequest.parse({ runs: study.runIds }).thresholds;
    checkFinder(study, study.runIds, defaults);
    checkFinder(study, study.runIds, { confidence: 0.7, background: 0.3, variation: 0.2, mislabelled: 0.5 });
    checkFinder(study, [study.runIds[2] ?? 0], { confidence: 0.5, background: 0.5, variation: 0.1, mislabelled: 0.6 });
  });

  it('one case’s reasons: every list the image is on, with its score', () => {
    const study = randomStudy(41, 3, 15);
    checkReasons(study, study.runIds);
    checkReasons(study, [study.runIds[1] ?? 0]);
  });
});
