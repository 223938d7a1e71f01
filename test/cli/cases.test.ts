import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli';
import { caseStudy } from '../cases/fixture';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';

/** The hand-made study of test/cases/fixture.ts in a file: runs 1 (CNN), 2 (VNN), 3 (MC dropout). */
let db: string;
beforeEach(() => {
  db = join(tempDir(), 'study.db');
  caseStudy(db).db.close();
});

async function json(argv: string[]): Promise<Record<string, unknown>[]> {
  const io = captureIo();
  const code = await runCli([...argv, '--db', db, '--json'], io);
  expect(code, io.err()).toBe(0);
  return io
    .out()
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('casebook cases, find, annotate', () => {
  it('cases lists filtered, sorted cases, one JSON object per line', async () => {
    const lines = await json(['cases', '--runs', '1,2,3', '--filter', 'wrong', '--sort', 'mi', '--limit', '3']);
    expect(lines.map((l) => l.index)).toEqual([1, 3, 5]);
    expect(lines[0]).toMatchObject({ dataset: 1, split: 'test', index: 1, trueClass: 'frog', tags: [], note: '' });
    expect((lines[0]?.runs as unknown[])[1]).toEqual({
      runId: 2,
      predicted: 'deer',
      confidence: 0.5,
      correct: false,
      entropy: 1,
      mutualInformation: 0.4,
      backgroundShare: null,
      backgroundDependence: null,
      backgroundFlips: null,
    });
    expect((lines[0]?.runs as { backgroundShare: number | null }[])[0]?.backgroundShare).toBeCloseTo(0.2);
    expect((await json(['cases', '--runs', '1,2,3', '--filter', 'class:truck'])).map((l) => l.index)).toEqual([2, 5]);
  });

  it('cases and export-cases sort one run by disagreement (none: by mean entropy, then index)', async () => {
    // the VNN's entropies: .30, 1.00, .10, .90, .45, .80
    const order = [1, 3, 5, 4, 0, 2];
    expect((await json(['cases', '--runs', '2', '--sort', 'disagreement'])).map((l) => l.index)).toEqual(order);
    const out = join(tempDir(), 'one run.jsonl');
    const [line] = await json(['export-cases', '--runs', '2', '--sort', 'disagreement', '--out', out]);
    expect(line).toEqual({ file: out, format: 'jsonl', rows: 6, runs: [2] });
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows.map((r) => (JSON.parse(r) as { index: number }).index)).toEqual(order);
  });

  it('export-cases --json prints what it wrote as one JSON line, nothing else', async () => {
    const out = join(tempDir(), 'wrong.csv');
    const io = captureIo();
    const argv = ['export-cases', '--runs', '1,3', '--filter', 'wrong', '--out', out, '--db', db, '--json'];
    expect(await runCli(argv, io), io.err()).toBe(0);
    expect(io.out().split('\n')).toEqual([JSON.stringify({ file: out, format: 'csv', rows: 3, runs: [1, 3] }), '']);
    expect(io.err()).toBe('');
    expect(readFileSync(out, 'utf8').trim().split('\r\n')).toHaveLength(4);
  });

  it('find prints each entry with its list and reason', async () => {
    const lines = await json(['find', '--runs', '1,2,3', '--lists', 'mislabelled,fragile']);
    // in the order asked for
    expect(lines).toEqual([
      {
        list: 'mislabelled',
        dataset: 1,
        split: 'test',
        index: 0,
        reason: 'labelled deer, but all 3 runs say truck with ≥ 92 % confidence',
      },
      {
        list: 'fragile',
        dataset: 1,
        split: 'test',
        index: 1,
        reason: expect.stringContaining('45 % of the 4 samples'),
      },
    ]);
  });

  it('annotate tags and notes an image; cases then filters by them; undo takes it back', async () => {
    const [made] = await json([
      'annotate',
      '--dataset',
      '1',
      '--image',
      'test/3',
      '--tag',
      'interesting',
      '--tag',
      'deer head',
      '--note',
      'taken for a frog',
      '--run',
      '2',
    ]);
    expect(made).toMatchObject({
      dataset: 1,
      split: 'test',
      index: 3,
      tags: ['deer head', 'interesting'],
      note: 'taken for a frog',
      runId: 2,
    });
    expect((await json(['cases', '--runs', '1', '--filter', 'tag:deer head'])).map((l) => l.index)).toEqual([3]);
    expect((await json(['cases', '--runs', '1', '--filter', 'note'])).map((l) => l.note)).toEqual(['taken for a frog']);
    const [undone] = await json(['annotate', '--dataset', '1', '--image', 'test/3', '--undo']);
    expect(undone).toMatchObject({ tags: [], note: '' });
  });

  it('names what is wrong: usage errors exit 2, bad requests exit 1', async () => {
    const io = captureIo();
    expect(await runCli(['cases', '--db', db], io)).toBe(2);
    expect(io.err()).toContain('--runs <ids> is required');
    const io2 = captureIo();
    expect(await runCli(['cases', '--runs', '1', '--filter', 'class:horse', '--db', db], io2)).toBe(2);
    expect(io2.err()).toContain("the runs' classes are deer, frog, truck");
    const io3 = captureIo();
    expect(await runCli(['annotate', '--dataset', '1', '--image', 'test/99', '--tag', 'x', '--db', db], io3)).toBe(1);
    expect(io3.err()).toContain('dataset 1 has no test image 99');
    const io4 = captureIo();
    expect(await runCli(['annotate', '--dataset', '1', '--image', 'test/1', '--tag', ' ', '--db', db], io4)).toBe(2);
    expect(io4.err()).toContain('a tag cannot be empty');
    const io5 = captureIo();
    expect(await runCli(['find', '--runs', '1', '--lists', 'funny', '--db', db], io5)).toBe(2);
    expect(io5.err()).toContain('unknown list "funny"');
  });
});
