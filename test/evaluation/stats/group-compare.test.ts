import { describe, expect, it } from 'vitest';
import { compareGroups } from '../../../src/main/lab/evaluation/compare-runs';
import { seedSummary } from '../../../src/main/lab/evaluation/stats';
import { statStudy } from './study';

/** Group A: lr 1e-3, seeds 1–3, 80 / 70 / 75 % right; group B: lr 3e-4, seeds 1–2, 90 / 80 %; run 6 alone. */
function study() {
  const s = statStudy();
  const a = [
    s.addRun({ right: (i) => i % 10 < 8, seed: 1, config: { seed: 1 } }),
    s.addRun({ right: (i) => i % 10 < 7, seed: 2, config: { seed: 2 } }),
    s.addRun({ right: (i) => i % 20 < 15, seed: 3, config: { seed: 3 } }),
  ];
  const b = [
    s.addRun({ right: (i) => i % 10 < 9, seed: 4, config: { seed: 1, learningRate: 3e-4 } }),
    s.addRun({ right: (i) => i % 10 < 8, seed: 5, config: { seed: 2, learningRate: 3e-4 } }),
  ];
  const alone = s.addRun({ right: (i) => i % 10 < 6, seed: 6, config: { seed: 1, learningRate: 0.01 } });
  const other = s.addRun({ right: (i) => i % 10 < 6, dataset: 'b', seed: 7, config: { seed: 1 } });
  return { s, a, b, alone, other };
}

describe('seedSummary', () => {
  it('gives mean, sample sd and range, and nothing for an undefined seed', () => {
    expect(seedSummary([0.8, 0.7, 0.75])).toEqual({ mean: 0.75, sd: expect.closeTo(0.05, 12), min: 0.7, max: 0.8 });
    expect(seedSummary([0.8])).toEqual({ mean: 0.8, sd: null, min: 0.8, max: 0.8 });
    expect(seedSummary([0.8, null]).mean).toBeNull();
  });
});

describe('compareGroups', () => {
  it('counts a group as one entry: mean ± sd and min–max over seeds, the difference of the seed means with an interval', () => {
    const { s, a, b, alone } = study();
    // any run of a group names it
    const stats = compareGroups(s, { groupIds: [a[1] as number, b[0] as number, alone], bootstrap: 500 });
    expect(stats.groups.map((g) => [g.groupId, g.runIds, g.seeds])).toEqual([
      [a[0], a, [1, 2, 3]],
      [b[0], b, [1, 2]],
      [alone, [alone], [1]],
    ]);
    expect(stats.groups[0]?.label).toBe(`CNN #${a[0]} (3 seeds)`);
    const accuracy = (groupId: number | undefined) =>
      stats.estimates.find((e) => e.metric === 'accuracy' && e.groupId === groupId);
    expect(accuracy(a[0])).toMatchObject({
      mean: expect.closeTo(0.75, 12),
      min: 0.7,
      max: 0.8,
      values: [0.8, 0.7, 0.75],
    });
    expect(accuracy(a[0])?.sd).toBeCloseTo(0.05, 12);
    expect(accuracy(b[0])?.sd).toBeCloseTo(Math.SQRT2 * 0.05, 12);
    expect(accuracy(alone)?.sd).toBeNull();
    const d = stats.differences.find((x) => x.metric === 'accuracy' && x.groupId === b[0]);
    expect(d).toMatchObject({ baseline: a[0], over: 'seeds and test images', seeds: [2, 3] });
    expect(d?.difference).toBeCloseTo(0.1, 12);
    const [lo, hi] = d?.ci ?? [0, 0];
    expect(lo).toBeLessThan(0.1);
    expect(hi).toBeGreaterThan(0.1);
    // the interval covers the seeds: wider than the seeds' own spread of means would allow to be 0-wide
    expect(hi - lo).toBeGreaterThan(0.02);
    expect(d?.sentence).toMatch(
      new RegExp(
        `^CNN #${b[0]} \\(2 seeds\\)'s mean accuracy is 10\\.0 points above CNN #${a[0]} \\(3 seeds\\)'s \\(95 % CI over seeds and test images`,
      ),
    );
    expect(stats.differences.filter((x) => x.metric === 'accuracy')).toHaveLength(2);
  });

  it('compares no group tested on other images, and refuses a group named twice', () => {
    const { s, a, other } = study();
    const stats = compareGroups(s, { groupIds: [a[0] as number, other], bootstrap: 200 });
    expect(stats.differences).toEqual([]);
    expect(stats.notComparable[0]?.reason).toContain('another test set');
    expect(() => compareGroups(s, { groupIds: [a[0] as number, a[2] as number], bootstrap: 200 })).toThrow(
      `group ${a[0]} is named twice`,
    );
  });
});
