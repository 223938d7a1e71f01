import { afterEach, describe, expect, it } from 'vitest';
import { compareRuns } from '../../../src/main/lab/evaluation/compare-runs';
import { mcnemarExact } from '../../../src/main/lab/evaluation/stats';
import { differenceSentence } from '../../../src/main/lab/evaluation/stats/sentence';
import { statStudy, type StatStudy } from './study';

let study: StatStudy | null = null;
afterEach(() => {
  study?.db.close();
  study = null;
});

const open = (): StatStudy => (study = statStudy());

describe('compareRuns', () => {
  it('gives every metric of every run a value inside its 95 % interval', () => {
    const s = open();
    const one = s.addRun({ right: (i) => i % 10 < 8 });
    const two = s.addRun({ right: (i) => i % 10 < 7, seed: 2 });
    const result = compareRuns(s, { runIds: [one, two], bootstrap: 500, seed: 1 });
    expect(result.estimates).toHaveLength(14);
    const accuracy = result.estimates.find((e) => e.metric === 'accuracy' && e.runId === one);
    expect(accuracy?.value).toBeCloseTo(0.8, 12);
    for (const e of result.estimates) {
      expect(e.ci, `${e.metric} of ${e.runId}`).not.toBeNull();
      const [lo, hi] = e.ci ?? [NaN, NaN];
      expect(lo).toBeLessThanOrEqual(e.value ?? NaN);
      expect(hi).toBeGreaterThanOrEqual(e.value ?? NaN);
    }
    expect(result.correction).toBe('none');
  });

  it('tests accuracy with McNemar on the discordant images and writes the sentence', () => {
    const s = open();
    // baseline right on 80 %; the other right on the same images but 12 of them, and on 2 others more
    const base = s.addRun({ right: (i) => i % 10 < 8 });
    const lost = new Set([0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13]);
    const other = s.addRun({ right: (i) => (i % 10 < 8 && !lost.has(i)) || i === 9 || i === 19, seed: 2 });
    const result = compareRuns(s, { runIds: [base, other], bootstrap: 500, seed: 1 });
    const d = result.differences.find((x) => x.metric === 'accuracy');
    expect(d?.test).toBe('McNemar exact');
    expect(d?.p).toBeCloseTo(mcnemarExact(2, 12).p, 12);
    expect(d?.difference).toBeCloseTo(-10 / 300, 12);
    expect(d?.sentence).toMatch(
      /^CNN #2's accuracy is 3\.3 points below CNN #1's \(95 % CI −\d\.\d to −\d\.\d; McNemar p = 0\.013, 300 test images\): evidence that CNN #2 is worse on this test set\.$/,
    );
  });

  it("corrects with Holm's method when more than two runs are compared, and names it", () => {
    const s = open();
    const ids = [0, 1, 2].map((r) => s.addRun({ right: (i) => (i + r) % 10 < 8, seed: r + 1 }));
    const result = compareRuns(s, { runIds: ids, bootstrap: 300, seed: 2 });
    expect(result.correction).toBe('Holm');
    const accuracy = result.differences.filter((d) => d.metric === 'accuracy');
    expect(accuracy).toHaveLength(2);
    for (const d of accuracy) expect(d.pAdjusted).toBeGreaterThanOrEqual(d.p);
    expect(accuracy[0]?.sentence).toContain('Holm-adjusted p');
  });

  it('takes the differences to the chosen baseline', () => {
    const s = open();
    const ids = [0, 1, 2].map((r) => s.addRun({ right: (i) => (i + r) % 10 < 8 - r, seed: r + 1 }));
    const result = compareRuns(s, { runIds: ids, baseline: ids[2], bootstrap: 200 });
    expect(result.baseline).toBe(ids[2]);
    expect(new Set(result.differences.map((d) => d.baseline))).toEqual(new Set([ids[2]]));
    expect(new Set(result.differences.map((d) => d.runId))).toEqual(new Set([ids[0], ids[1]]));
    expect(() => compareRuns(s, { runIds: ids.slice(0, 2), baseline: ids[2] })).toThrow(/baseline: run 3 is not among/);
  });

  it('marks a best only when it beats every other run after correction', () => {
    const s = open();
    const strong = s.addRun({ right: (i) => i % 10 < 9 });
    const weak = s.addRun({ right: (i) => i % 10 < 5, seed: 2 });
    const close = s.addRun({ right: (i) => i % 10 < 9 && i !== 0, seed: 3 });
    const clear = compareRuns(s, { runIds: [strong, weak], bootstrap: 300 });
    expect(clear.best.find((b) => b.metric === 'accuracy')?.runId).toBe(strong);
    const noisy = compareRuns(s, { runIds: [strong, weak, close], bootstrap: 300 });
    const best = noisy.best.find((b) => b.metric === 'accuracy');
    expect(best?.runId).toBeNull();
    expect(best?.note).toMatch(/CNN #1's lead over CNN #3 could be noise \(p = 1 after Holm's correction\)/);
  });

  it('refuses differences and a best between runs tested on different test sets, but shows each', () => {
    const s = open();
    const a = s.addRun({ right: (i) => i % 10 < 8 });
    const sample = s.addRun({ right: (i) => i % 10 < 8, images: 150, seed: 2 });
    const other = s.addRun({ right: (i) => i % 10 < 2, dataset: 'b', seed: 3 });
    const same = s.addRun({ right: (i) => i % 10 < 6, seed: 4 });
    const result = compareRuns(s, { runIds: [a, sample, other, same], bootstrap: 200 });
    expect(result.notComparable.map((x) => x.runId)).toEqual([sample, other]);
    expect(result.notComparable[0]?.reason).toMatch(/150 images.*300 images.*another test set.*side by side only/);
    expect(result.notComparable[1]?.reason).toMatch(/"other".*"synthetic"/);
    expect(result.differences.every((d) => d.runId === same)).toBe(true);
    expect(result.best.every((b) => b.runId === null && /different test sets/.test(b.note))).toBe(true);
    // each still has its own value and interval
    expect(result.estimates.filter((e) => e.metric === 'accuracy').map((e) => e.value)).toEqual([0.8, 0.8, 0.2, 0.6]);
    expect(result.estimates.every((e) => e.ci !== null)).toBe(true);
  });

  it('says which run is not evaluated, and refuses a run listed twice', () => {
    const s = open();
    const a = s.addRun({ right: () => true });
    const b = s.runs.create({ datasetId: 1, datasetHash: s.runs.get(a).datasetHash, config: s.runs.get(a).config });
    expect(() => compareRuns(s, { runIds: [a, b.id] })).toThrow(/run 2 has no evaluation yet/);
    expect(() => compareRuns(s, { runIds: [a, a] })).toThrow(/run 1 is listed twice/);
  });
});

describe('differenceSentence', () => {
  it('reads as the issue asks', () => {
    expect(
      differenceSentence({
        metric: 'accuracy',
        run: 'VNN #2',
        baseline: 'CNN #1',
        difference: 0.004,
        ci: [-0.006, 0.014],
        test: 'McNemar exact',
        p: 0.41,
        pAdjusted: 0.41,
        correction: null,
        images: 3000,
        significant: false,
      }),
    ).toBe(
      "VNN #2's accuracy is 0.4 points above CNN #1's (95 % CI −0.6 to 1.4; McNemar p = 0.41, 3,000 test images): no evidence of a difference.",
    );
    expect(
      differenceSentence({
        metric: 'nll',
        run: 'VNN #2',
        baseline: 'CNN #1',
        difference: -0.0214,
        ci: [-0.035, -0.008],
        test: 'paired bootstrap',
        p: 0.002,
        pAdjusted: 0.004,
        correction: 'Holm',
        images: 3000,
        significant: true,
      }),
    ).toBe(
      "VNN #2's NLL is 0.021 lower than CNN #1's (95 % CI −0.035 to −0.008; paired bootstrap p = 0.002, Holm-adjusted p = 0.004, 3,000 test images): evidence that VNN #2 is better on this test set.",
    );
  });
});
