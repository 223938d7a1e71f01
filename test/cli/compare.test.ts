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
