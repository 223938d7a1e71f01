/** casebook evaluate --json: the metrics with their 95 % bootstrap intervals, as compare gives them. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli';
import { STAT_METRICS } from '../../src/main/lab/evaluation/stats';
import { cifarEntries, records, writeArchive } from '../datasets/helpers';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';

let db: string;

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await runCli([...argv, '--db', db], io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  const dir = tempDir();
  db = join(dir, 'x.db');
  // a tiny CNN, one epoch: 12 training images, 30 test images of 3 classes
  const labels = [4, 6, 9, 4, 6, 9, 4, 6, 9, 4, 6, 9];
  const test = Array.from({ length: 30 }, (_, i) => [4, 6, 9][i % 3] as number);
  const archive = await writeArchive(
    dir,
    'tiny.tar.gz',
    cifarEntries({ train: [records(labels, 0)], test: records(test, 100) }),
  );
  const study = await cli('study', '--archive', archive, '--models', 'cnn', '--epochs', '1', '--json');
  expect(study.err).not.toContain('Error');
  expect(study.code).toBe(0);
}, 180_000);

interface Estimate {
  metric: string;
  runId: number;
  value: number | null;
  ci: [number, number] | null;
}

describe('casebook evaluate --json', () => {
  it('gives every metric its interval, the estimates casebook compare gives', async () => {
    const evaluated = await cli('evaluate', '--run', '1', '--json', '--bootstrap', '500', '--seed', '3');
    expect(evaluated.code).toBe(0);
    const line = JSON.parse(evaluated.out) as {
      metrics: { accuracy: number; nll: number };
      intervals: { level: number; bootstrap: number; seed: number; estimates: Estimate[] };
    };
    expect(line.intervals).toMatchObject({ level: 0.95, bootstrap: 500, seed: 3 });
    expect(line.intervals.estimates.map((e) => e.metric)).toEqual([...STAT_METRICS]);
    const accuracy = line.intervals.estimates.find((e) => e.metric === 'accuracy');
    expect(accuracy?.value).toBeCloseTo(line.metrics.accuracy, 12);
    const [lo, hi] = accuracy?.ci ?? [NaN, NaN];
    expect(lo).toBeLessThanOrEqual(line.metrics.accuracy);
    expect(hi).toBeGreaterThanOrEqual(line.metrics.accuracy);
    expect(hi - lo).toBeGreaterThan(0);
    // the very lines of casebook compare for this run, same resamples
    const compared = await cli('compare', '--runs', '1', '--json', '--bootstrap', '500', '--seed', '3');
    expect(compared.code).toBe(0);
    const lines = compared.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Estimate);
    expect(line.intervals.estimates).toEqual(lines);
  }, 180_000);

  it('refuses resampling options it cannot use, naming them', async () => {
    const text = await cli('evaluate', '--run', '1', '--bootstrap', '500');
    expect(text.code).toBe(2);
    expect(text.err).toContain('--bootstrap and --seed go with --json');
    const few = await cli('evaluate', '--run', '1', '--json', '--bootstrap', '5');
    expect(few.code).toBe(2);
    expect(few.err).toMatch(/bootstrap/);
  });
});
