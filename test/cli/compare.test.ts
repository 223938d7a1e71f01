import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli';
import { statStudy } from '../evaluation/stats/study';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';

/** Runs 1–3 on the same 300 test images (80 %, 70 %, 79 % right), run 4 on another dataset. */
let db: string;
beforeEach(() => {
  db = join(tempDir(), 'study.db');
  const study = statStudy(db);
  study.addRun({ right: (i) => i % 10 < 8 });
  study.addRun({ right: (i) => i % 10 < 7, seed: 2 });
  study.addRun({ right: (i) => i % 10 < 8 && i !== 0, seed: 3 });
  study.addRun({ right: (i) => i % 10 < 5, dataset: 'b', seed: 4 });
  study.db.close();
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli([...argv, '--db', db], io);
  return { code, out: io.out(), err: io.err() };
}

describe('casebook compare', () => {
  it('--json: one line per (metric, run), then per (metric, run, baseline)', async () => {
    const { code, out, err } = await cli([
      'compare',
      '--runs',
      '1,2,3',
      '--baseline',
      '2',
      '--bootstrap',
      '300',
      '--json',
    ]);
    expect(code, err).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const estimates = lines.filter((l) => !('baseline' in l));
    const differences = lines.filter((l) => 'baseline' in l);
    expect(estimates).toHaveLength(7 * 3);
    expect(Object.keys(estimates[0] ?? {})).toEqual(['metric', 'runId', 'value', 'ci']);
    expect(estimates.find((l) => l.metric === 'accuracy' && l.runId === 1)?.value).toBeCloseTo(0.8, 12);
    expect(differences).toHaveLength(7 * 2);
    expect(Object.keys(differences[0] ?? {})).toEqual([
      'metric',
      'runId',
      'baseline',
      'difference',
      'ci',
      'test',
      'p',
      'pAdjusted',
    ]);
    const accuracy = differences.find((l) => l.metric === 'accuracy' && l.runId === 1);
    expect(accuracy).toMatchObject({ baseline: 2, test: 'McNemar exact' });
    expect(accuracy?.difference).toBeCloseTo(0.1, 12);
    expect(accuracy?.pAdjusted as number).toBeGreaterThanOrEqual(accuracy?.p as number);
  });

  it('prints a table, the sentences and why a run on another dataset is not compared', async () => {
    const { code, out, err } = await cli(['compare', '--runs', '1,2,4', '--bootstrap', '200', '--seed', '5']);
    expect(code, err).toBe(0);
    expect(out).toContain('(B = 200, seed 5)');
    expect(out).toMatch(/accuracy ↑\s+80\.0 % \[\d+\.\d, \d+\.\d\]/);
    expect(out).toMatch(/CNN #2's accuracy is 10\.0 points below CNN #1's \(95 % CI −/);
    expect(out).toContain('CNN #4 was tested on the test split of "other"');
    expect(out).toContain('Not marked: the runs were tested on different test sets.');
  });

  it('refuses a baseline outside the runs, naming it', async () => {
    const { code, err } = await cli(['compare', '--runs', '1,2', '--baseline', '3']);
    expect(code).not.toBe(0);
    expect(err).toMatch(/baseline: run 3 is not among the compared runs/);
  });
});

describe('casebook compare --groups', () => {
  it('counts each seed group as one entry: mean, sd and range per metric, the difference of seed means', async () => {
    const file = join(tempDir(), 'groups.db');
    const study = statStudy(file);
    const a = [
      study.addRun({ right: (i) => i % 10 < 8, config: { seed: 1 } }),
      study.addRun({ right: (i) => i % 10 < 6, config: { seed: 2 } }),
    ];
    const b = [
      study.addRun({ right: (i) => i % 10 < 9, config: { seed: 1, learningRate: 3e-4 } }),
      study.addRun({ right: (i) => i % 10 < 9, config: { seed: 2, learningRate: 3e-4 } }),
    ];
    study.db.close();
    const io = captureIo();
    const argv = ['compare', '--groups', `${a[1]},${b[1]}`, '--bootstrap', '300', '--json', '--db', file];
    expect(await runCli(argv, io), io.err()).toBe(0);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const accuracy = lines.filter((l) => l.metric === 'accuracy');
    expect(accuracy[0]).toMatchObject({
      groupId: a[0],
      mean: expect.closeTo(0.7, 12),
      min: 0.6,
      max: 0.8,
      seeds: 2,
      runIds: a,
    });
    expect(accuracy[0]?.sd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(accuracy[1]).toMatchObject({ groupId: b[0], mean: expect.closeTo(0.9, 12), sd: 0, seeds: 2 });
    expect(accuracy[2]).toMatchObject({
      groupId: b[0],
      baseline: a[0],
      difference: expect.closeTo(0.2, 12),
      over: 'seeds and test images',
      seeds: [2, 2],
    });
    const plain = captureIo();
    expect(await runCli(['compare', '--groups', `${a[0]},${b[0]}`, '--bootstrap', '300', '--db', file], plain)).toBe(0);
    expect(plain.out()).toMatch(/accuracy\s+70\.0 ± 14\.1 \[60\.0–80\.0\]\s+90\.0 ± 0\.0 \[90\.0–90\.0\]/);
    expect(plain.out()).toContain(
      `CNN #${b[0]} (2 seeds)'s mean accuracy is 20.0 points above CNN #${a[0]} (2 seeds)'s`,
    );
    const both = captureIo();
    expect(await runCli(['compare', '--groups', '1', '--runs', '1', '--db', file], both)).toBe(2);
    expect(both.err()).toContain('give either --runs or --groups');
  });
});
