import { afterEach, describe, expect, it } from 'vitest';
import { FindCasesRequest, GetCaseRequest, ListCasesRequest } from '../../src/shared/contract';
import { CaseService } from '../../src/main/lab/cases/cases';
import { seedVerdicts, seedVerdictText } from '../../src/shared/run-groups';
import { addSeeds, caseStudy, type CaseStudy } from './fixture';

let study: CaseStudy;
afterEach(() => study.db.close());

/** CNN #1 (seed 42) with CNNs #4 (43) and #5 (44): images 2, 3 and 5 are wrong in 1 of the 3 seeds. */
function setup() {
  study = caseStudy();
  const [s43, s44] = addSeeds(study);
  const [cnn, vnn] = study.runIds;
  return { cases: new CaseService(study), cnn, vnn, s43, s44 };
}

describe('unstable across seeds', () => {
  it('filters the images wrong in some but not all seeds of a group, and counts them', () => {
    const { cases, cnn, vnn, s43, s44 } = setup();
    expect(study.runs.get(s44).group).toBe(cnn);
    const page = cases.list(ListCasesRequest.parse({ runs: [cnn, s43, s44, vnn], filter: { outcome: 'unstable' } }));
    expect(page.items.map((c) => c.index)).toEqual([2, 3, 5]);
    expect(page.counts).toMatchObject({ total: 3, any: 6, unstable: 3, wrong: 5 });
    // image 0 is wrong in every seed: stable, though wrong
    const all = cases.list(ListCasesRequest.parse({ runs: [cnn, s43, s44] }));
    expect(all.counts.unstable).toBe(3);
    // runs without a group have no unstable images
    const none = cases.list(ListCasesRequest.parse({ runs: study.runIds, filter: { outcome: 'unstable' } }));
    expect([none.total, none.counts.unstable]).toEqual([0, 0]);
  });

  it('gives each case row its seed group, from which a tile says "wrong in k of n seeds"', () => {
    const { cases, cnn, vnn, s43, s44 } = setup();
    const page = cases.list(ListCasesRequest.parse({ runs: [vnn, s43, cnn, s44] }));
    const byIndex = new Map(page.items.map((c) => [c.index, c]));
    expect(byIndex.get(2)?.runs.map((r) => [r.runId, r.group])).toEqual([
      [vnn, null],
      [s43, cnn],
      [cnn, cnn],
      [s44, cnn],
    ]);
    // image 2: wrong in CNN #1 only; image 0: wrong in every seed; image 1: right in every seed
    const verdict = (index: number) => seedVerdicts(byIndex.get(index)?.runs ?? []).map(seedVerdictText);
    expect(verdict(2)).toEqual(['wrong in 1 of 3 seeds']);
    expect(verdict(0)).toEqual(['wrong in 3 of 3 seeds']);
    expect(verdict(1)).toEqual(['wrong in 0 of 3 seeds']);
    // named by the group's first run, in its colour, whatever the order shown
    expect(seedVerdicts(byIndex.get(2)?.runs ?? [])[0]).toMatchObject({
      groupId: cnn,
      name: `CNN #${cnn}`,
      colour: study.runs.get(cnn).colour,
      runIds: [s43, cnn, s44],
    });
    // one seed of a group shown is no group; the case view's rows carry it too
    expect(seedVerdicts(cases.list(ListCasesRequest.parse({ runs: [cnn, vnn] })).items[0]?.runs ?? [])).toEqual([]);
    const detail = cases.get(
      GetCaseRequest.parse({ datasetId: study.datasetId, split: 'test', index: 2, runs: [cnn, s43, s44] }),
    );
    expect(seedVerdicts(detail.runs).map(seedVerdictText)).toEqual(['wrong in 1 of 3 seeds']);
  });

  it('lists them in the finder with the seeds that were wrong', () => {
    const { cases, cnn, s43, s44 } = setup();
    const result = cases.find(FindCasesRequest.parse({ runs: [cnn, s43, s44], lists: ['unstable'] }));
    const [unstable] = result.lists;
    expect(unstable?.title).toBe('Unstable across seeds');
    expect(unstable?.total).toBe(3);
    // each is 1 of 3 (score 1/3); ties by mean entropy, highest first: 5 (0.9), 3 (0.75), 2 (0.42)
    expect(unstable?.entries.map((e) => [e.index, e.score])).toEqual([
      [5, 1 / 3],
      [3, 1 / 3],
      [2, 1 / 3],
    ]);
    expect(unstable?.entries[0]?.reason).toBe(
      `wrong in 1 of 3 seeds of CNN #${cnn}'s group (CNN #${cnn} says deer 55 %; right in CNN #${s43}, CNN #${s44}) (true truck)`,
    );
  });
});
