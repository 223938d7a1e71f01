import { afterEach, describe, expect, it } from 'vitest';
import {
  FindCasesRequest,
  GetCaseRequest,
  ListCasesRequest,
  type ListCasesRequest as ListInput,
} from '../../src/shared/contract';
import { CaseService } from '../../src/main/lab/cases/cases';
import { caseStudy, type CaseStudy } from './fixture';

let study: CaseStudy;
afterEach(() => study.db.close());

function service(): CaseService {
  study = caseStudy();
  return new CaseService(study);
}

const list = (cases: CaseService, input: Partial<ListInput> = {}) =>
  cases.list(ListCasesRequest.parse({ runs: study.runIds, ...input }));
const indices = (page: { items: { index: number }[] }) => page.items.map((c) => c.index);

describe('case lists', () => {
  it('give every test image with each run’s result from its current evaluation', () => {
    const cases = service();
    const page = list(cases);
    expect(page.total).toBe(6);
    expect(indices(page)).toEqual([0, 1, 2, 3, 4, 5]);
    const first = page.items[0];
    expect(first).toMatchObject({ index: 0, label: 0, trueClass: 'deer', tags: [], note: '' });
    expect(first?.runs.map((r) => [r.runLabel, r.predictedClass, r.correct, r.confidence])).toEqual([
      ['CNN #1', 'truck', false, 0.97],
      ['VNN #2', 'truck', false, 0.92],
      ['MC dropout #3', 'truck', false, 0.95],
    ]);
    expect(first?.runs[0]).toMatchObject({ mutualInformation: null, background: 0.8, samples: 1 });
    expect(first?.runs[1]).toMatchObject({
      mutualInformation: 0.05,
      variationRatio: 0.1,
      majority: 2,
      background: null,
      samples: 4,
    });
  });

  it('filter by outcome: wrong in any run, right in all, the runs disagree', () => {
    const cases = service();
    expect(indices(list(cases, { filter: { outcome: 'wrong' } }))).toEqual([0, 1, 3, 5]);
    expect(indices(list(cases, { filter: { outcome: 'right' } }))).toEqual([2, 4]);
    expect(indices(list(cases, { filter: { outcome: 'disagree' } }))).toEqual([1, 3, 5]);
    // one run: image 1 is right for the CNN alone
    expect(
      indices(cases.list(ListCasesRequest.parse({ runs: [study.runIds[0]], filter: { outcome: 'wrong' } }))),
    ).toEqual([0, 5]);
  });

  it('filter by true class and by a run’s predicted class', () => {
    const cases = service();
    expect(indices(list(cases, { filter: { trueClass: 0 } }))).toEqual([0, 3]);
    expect(indices(list(cases, { filter: { predicted: [{ runId: study.runIds[1], class: 2 }] } }))).toEqual([0, 2, 5]);
    expect(
      indices(
        list(cases, {
          filter: {
            predicted: [
              { runId: study.runIds[1], class: 2 },
              { runId: study.runIds[0], class: 0 },
            ],
          },
        }),
      ),
    ).toEqual([5]);
  });

  it('sort by the mean over runs, most first, NULLs last, ties by index', () => {
    const cases = service();
    // mean MI of VNN and MC dropout: .035, .35, .01, .225, .035, .09
    expect(indices(list(cases, { sort: 'mi' }))).toEqual([1, 3, 5, 0, 4, 2]);
    expect(indices(list(cases, { sort: 'mi', order: 'asc' }))).toEqual([2, 0, 4, 5, 3, 1]);
    // mean confidence: .947, .55, .98, .633, .877, .667
    expect(indices(list(cases, { sort: 'confidence' }))).toEqual([2, 0, 4, 5, 3, 1]);
    // mean variation ratio: .075, .4, 0, .225, .035, .125
    expect(indices(list(cases, { sort: 'variation' }))).toEqual([1, 3, 5, 0, 4, 2]);
    // disagreement: image 3 has three answers (2 runs off the majority), 1 and 5 one; ties by mean entropy (.983 vs .817)
    // then by mean entropy: .4 (4), .217 (0), .09 (2)
    expect(indices(list(cases, { sort: 'disagreement' }))).toEqual([3, 1, 5, 4, 0, 2]);
    // background: only the CNN was explained: .8, .2, .7, .1, .3, .4
    expect(indices(list(cases, { sort: 'background' }))).toEqual([0, 2, 5, 4, 1, 3]);
    // entropy: mean .217, .983, .09, .833, .4, .817
    expect(indices(list(cases, { sort: 'entropy', limit: 3 }))).toEqual([1, 3, 5]);
  });

  it('sort one run by disagreement: none, so by mean entropy, then index', () => {
    const cases = service();
    // SQLite once read the one run's constant disagreement, 0, as "the 0th column" and refused
    const vnn = [study.runIds[1]];
    expect(indices(cases.list(ListCasesRequest.parse({ runs: vnn, sort: 'disagreement' })))).toEqual([
      1, 3, 5, 4, 0, 2,
    ]);
    expect(indices(cases.list(ListCasesRequest.parse({ runs: vnn, sort: 'disagreement', order: 'asc' })))).toEqual([
      2, 0, 4, 5, 3, 1,
    ]);
  });

  it('page with offset and limit; the total counts the whole filtered list', () => {
    const cases = service();
    const page = list(cases, { sort: 'confidence', offset: 2, limit: 2 });
    expect(indices(page)).toEqual([4, 5]);
    expect(page.total).toBe(6);
  });

  it('count the filtered list per sidebar group', () => {
    const cases = service();
    cases.annotate({
      datasetId: study.datasetId,
      split: 'test',
      index: 0,
      addTags: ['interesting'],
      removeTags: [],
      note: 'trucks in the woods',
    });
    cases.annotate({
      datasetId: study.datasetId,
      split: 'test',
      index: 3,
      addTags: ['interesting', 'ambiguous'],
      removeTags: [],
    });
    const all = list(cases).counts;
    expect(all).toEqual({
      total: 6,
      any: 6,
      trueClass: { deer: 2, frog: 2, truck: 2 },
      wrong: 4,
      right: 2,
      disagree: 3,
      unstable: 0,
      noted: 1,
      tags: { ambiguous: 1, interesting: 2 },
    });
    const wrongDeer = list(cases, { filter: { outcome: 'wrong', trueClass: 0 } }).counts;
    expect(wrongDeer).toMatchObject({ total: 2, trueClass: { deer: 2, frog: 0, truck: 0 }, wrong: 2, disagree: 1 });
  });

  it('count the outcome facet without the outcome filter itself, every other facet with it', () => {
    const cases = service();
    cases.annotate({ datasetId: study.datasetId, split: 'test', index: 2, addTags: ['interesting'], removeTags: [] });
    // "wrong" chosen: the list has 4 images, and "right in every run" still counts its 2 (images 2, 4)
    const wrong = list(cases, { filter: { outcome: 'wrong' } });
    expect(wrong.total).toBe(4);
    expect(wrong.counts).toEqual({
      total: 4,
      any: 6,
      trueClass: { deer: 2, frog: 1, truck: 1 },
      wrong: 4,
      right: 2,
      disagree: 3,
      unstable: 0,
      noted: 0,
      // image 2 is right: its tag is not in the wrong list
      tags: {},
    });
    // other filters still apply to the outcome counts: frogs are image 1 (wrong) and 4 (right)
    const frogsRight = list(cases, { filter: { outcome: 'right', trueClass: 1 } }).counts;
    expect(frogsRight).toMatchObject({ total: 1, trueClass: { deer: 0, frog: 1, truck: 0 }, wrong: 1, right: 1 });
    expect(list(cases, { filter: { outcome: 'right' } }).counts.tags).toEqual({ interesting: 1 });
  });

  it('filter by tag and by note', () => {
    const cases = service();
    cases.annotate({
      datasetId: study.datasetId,
      split: 'test',
      index: 4,
      addTags: ['background bias'],
      removeTags: [],
    });
    cases.annotate({
      datasetId: study.datasetId,
      split: 'test',
      index: 1,
      addTags: [],
      removeTags: [],
      note: 'head only',
    });
    expect(indices(list(cases, { filter: { tag: 'background bias' } }))).toEqual([4]);
    expect(indices(list(cases, { filter: { hasNote: true } }))).toEqual([1]);
    expect(indices(list(cases, { filter: { hasNote: false } }))).toEqual([0, 2, 3, 4, 5]);
    expect(list(cases, { filter: { tag: 'background bias' } }).items[0]?.tags).toEqual(['background bias']);
  });

  it('refuse runs of different datasets, unevaluated runs and unknown classes, naming them', () => {
    const cases = service();
    const other = study.runs.create({
      datasetId: study.datasetId,
      datasetHash: study.datasetHash,
      config: { ...study.runs.get(1).config },
    });
    expect(() => list(cases, { runs: [study.runIds[0], other.id] })).toThrow(`run ${other.id} has no evaluation yet`);
    expect(() => list(cases, { filter: { trueClass: 7 } })).toThrow(/filter.trueClass: class 7 does not exist/);
    expect(() => list(cases, { runs: [999] })).toThrow(/no run with id 999/);
    expect(() => ListCasesRequest.parse({ runs: [1, 1] })).toThrow(/listed twice/);
  });
});

describe('the finder', () => {
  const find = (cases: CaseService) => cases.find(FindCasesRequest.parse({ runs: study.runIds }));
  const list = (result: ReturnType<typeof find>, name: string) => result.lists.find((l) => l.list === name);

  it('ranks each list and gives each entry its reason', () => {
    const result = find(service());
    // three models, no seed group among them: no list of instability across seeds
    expect(result.lists.map((l) => l.list)).toEqual([
      'confidently-wrong',
      'uncertain',
      'disagree',
      'background-reliant',
      'fragile',
      'mislabelled',
    ]);
    const wrong = list(result, 'confidently-wrong');
    expect(wrong?.entries.map((e) => e.index)).toEqual([0]);
    expect(wrong?.entries[0]?.reason).toBe(
      'wrong with 97 % confidence (truck, true deer) in CNN #1; MC dropout #3: truck, 95 %; VNN #2: truck, 92 %',
    );
    // mean MI .35, .225, .09, then a tie at .035 broken by mean entropy (.4 for 4, .217 for 0)
    expect(list(result, 'uncertain')?.entries.map((e) => e.index)).toEqual([1, 3, 5, 4, 0, 2]);
    expect(list(result, 'uncertain')?.entries[0]?.reason).toBe(
      'mutual information 0.35, entropy 0.983 nats (CNN #1: frog 60 %, VNN #2: deer 50 %, MC dropout #3: frog 55 %; true frog)',
    );
    const disagree = list(result, 'disagree');
    expect(disagree?.entries.map((e) => e.index)).toEqual([3, 1, 5]);
    expect(disagree?.entries[0]?.reason).toBe(
      'CNN #1 says deer, VNN #2 says frog, MC dropout #3 says truck (true deer)',
    );
    const background = list(result, 'background-reliant');
    expect(background?.entries.map((e) => e.index)).toEqual([2]);
    expect(background?.entries[0]?.reason).toBe(
      'right (truck) but 70 % of the Grad-CAM map on the background in CNN #1',
    );
    const fragile = list(result, 'fragile');
    expect(fragile?.entries.map((e) => e.index)).toEqual([1]);
    expect(fragile?.entries[0]?.reason).toBe(
      'in VNN #2 45 % of the 4 samples vote against the majority (deer); in MC dropout #3 most of the 4 samples say deer, their mean says frog (true frog)',
    );
    const mislabelled = list(result, 'mislabelled');
    expect(mislabelled?.entries.map((e) => e.index)).toEqual([0]);
    expect(mislabelled?.entries[0]?.reason).toBe('labelled deer, but all 3 runs say truck with ≥ 92 % confidence');
  });

  it('thresholds are parameters', () => {
    // wrong with at least 50 %: image 0 (97 %), 3 (VNN 60 %), 5 (CNN 55 %), 1 (VNN 50 %)
    const cases = service();
    const looser = cases.find(
      FindCasesRequest.parse({ runs: study.runIds, thresholds: { confidence: 0.5, background: 0.25 } }),
    );
    expect(looser.lists.find((l) => l.list === 'confidently-wrong')?.entries.map((e) => e.index)).toEqual([0, 3, 5, 1]);
    expect(looser.lists.find((l) => l.list === 'background-reliant')?.entries.map((e) => e.index)).toEqual([2, 4]);
  });

  it('bounds "likely mislabelled" from below (floor) and tells ranked MI apart (3 significant digits)', () => {
    const cases = service();
    // the lowest of the three confidences becomes 0.96893: "≥ 97 %" would overstate it
    study.db.prepare('UPDATE predictions SET confidence = 0.96893 WHERE idx = 0 AND confidence = 0.92').run();
    study.db.prepare('UPDATE predictions SET confidence = 0.975 WHERE idx = 0 AND confidence = 0.95').run();
    // image 5's and image 3's mean MI (0.0812 vs 0.0809) both read 0.08 at two decimals
    study.db
      .prepare('UPDATE predictions SET mutual_information = 0.0812 WHERE idx = 5 AND mutual_information = 0.10')
      .run();
    study.db
      .prepare('UPDATE predictions SET mutual_information = 0.0812 WHERE idx = 5 AND mutual_information = 0.08')
      .run();
    study.db
      .prepare('UPDATE predictions SET mutual_information = 0.0809 WHERE idx = 3 AND mutual_information IS NOT NULL')
      .run();
    const result = find(cases);
    expect(list(result, 'mislabelled')?.entries[0]?.reason).toBe(
      'labelled deer, but all 3 runs say truck with ≥ 96 % confidence',
    );
    const uncertain = list(result, 'uncertain')?.entries ?? [];
    const reasonOf = (index: number) => uncertain.find((e) => e.index === index)?.reason ?? '';
    expect(reasonOf(5)).toMatch(/^mutual information 0\.0812, /);
    expect(reasonOf(3)).toMatch(/^mutual information 0\.0809, /);
  });

  it('needs two runs for disagreement', () => {
    const cases = service();
    const one = cases.find(FindCasesRequest.parse({ runs: [study.runIds[0]] }));
    expect(one.lists.find((l) => l.list === 'disagree')).toMatchObject({ total: 0, entries: [] });
    expect(one.lists.find((l) => l.list === 'mislabelled')?.entries[0]?.reason).toBe(
      'labelled deer, but CNN #1 says truck with 97 % confidence',
    );
  });
});

describe('one case', () => {
  it('shows every evaluated run, boxplots, maps, reasons and the annotation', () => {
    const cases = service();
    const detail = cases.get(GetCaseRequest.parse({ datasetId: study.datasetId, index: 1 }));
    expect(detail).toMatchObject({ index: 1, trueClass: 'frog', classes: ['deer', 'frog', 'truck'] });
    expect(detail.runs.map((r) => r.runId)).toEqual(study.runIds);
    expect(detail.runs[0]?.boxplots).toBeNull();
    expect(detail.runs[1]?.boxplots).toHaveLength(3);
    expect(detail.runs[0]?.maps).toMatchObject({ method: 'gradcam', mapShape: [2, 2], trueMap: null });
    expect(detail.runs[0]?.maps?.map[1]).toBeCloseTo(0.5);
    expect(detail.runs[1]?.maps).toBeNull();
    expect(detail.reasons.map((r) => r.list)).toEqual(['uncertain', 'disagree', 'fragile']);
    expect(detail.annotation).toMatchObject({ tags: [], note: '', createdAt: null });
  });

  it('shows the remaining runs of a link that names a deleted run, and names it', () => {
    const cases = service();
    const [cnn, vnn, mcd] = study.runIds;
    study.runs.delete(vnn);
    const detail = cases.get(GetCaseRequest.parse({ datasetId: study.datasetId, index: 1, runs: [cnn, vnn, mcd] }));
    expect(detail.runs.map((r) => r.runId)).toEqual([cnn, mcd]);
    expect(detail.missingRuns).toEqual([vnn]);
    // every run gone: the image itself, no runs
    study.runs.delete(cnn);
    study.runs.delete(mcd);
    const none = cases.get(GetCaseRequest.parse({ datasetId: study.datasetId, index: 1, runs: [cnn, vnn, mcd] }));
    expect(none).toMatchObject({ trueClass: 'frog', runs: [], missingRuns: [cnn, vnn, mcd] });
  });

  it('names a missing image', () => {
    const cases = service();
    expect(() => cases.get(GetCaseRequest.parse({ datasetId: study.datasetId, index: 60 }))).toThrow(
      /has no test image 60/,
    );
  });
});
