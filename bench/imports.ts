// Decompression-bomb benchmark of archive imports (docs/decisions.md, Imports): a .tar.gz of
// about 8.5 MB that inflates to 6 GB of deer records, imported through importDataset into a
// fresh database. Not a test: `node scripts/bench.mjs --only imports` prints one JSON line per
// bomb. Targets: refused within 5 s, peak RSS ≤ 500 MB, nothing stored.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset } from '../src/main/lab/datasets/import';
import { ARCHIVE_LIMITS } from '../src/main/lab/datasets/limits';
import { openDatabase } from '../src/main/lab/store/database';
import { DatasetStore } from '../src/main/lab/store/datasets';
import { ImportRequest } from '../src/shared/contract';
import { batchUnit, flatRecord, recordBomb, writeGzipTar, type BombEntry } from './bomb';

export interface ImportBenchLine {
  importBomb: true;
  /** 'batches': 196 full-size batches (the stream limit stops it); 'one-entry': one 6 GB batch (its header does). */
  variant: 'batches' | 'one-entry';
  compressedMB: number;
  inflatedMB: number;
  inflatedLimitMB: number;
  refusedAfterSeconds: number;
  /** CPU time of this process during the import (wall time grows when the cores are shared). */
  cpuSeconds: number;
  /** The highest RSS sampled (every 10 ms) during the import, the benchmark's own memory included. */
  peakRssMB: number;
  /** RSS just before the import. */
  baselineRssMB: number;
  /** Datasets in the database afterwards (0 expected). */
  stored: number;
  error: string | null;
}

export interface ImportBenchOptions {
  /** Batches of 10,000 records in the bomb; default 196 (6 GB). */
  batches?: number;
  report?: (line: ImportBenchLine) => void;
}

const MB = 1e6;
const round = (value: number, digits = 3): number => Number(value.toPrecision(digits));

const BOMBS: Record<ImportBenchLine['variant'], (batches: number) => BombEntry[]> = {
  batches: (batches) => recordBomb(batches, 4),
  'one-entry': (batches) => [
    { name: 'cifar-10-batches-bin/data_batch_1.bin', unit: batchUnit(flatRecord(4)), repeats: batches },
  ],
};

async function benchOne(variant: ImportBenchLine['variant'], dir: string, batches: number): Promise<ImportBenchLine> {
  const file = join(dir, `${variant}.tar.gz`);
  const { inflatedBytes } = await writeGzipTar(file, BOMBS[variant](batches));
  const db = openDatabase(join(dir, `${variant}.db`));
  const request = ImportRequest.parse({ kind: 'archive', source: file, classes: ['deer', 'frog', 'truck'] });
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const start = performance.now();
  const cpu = process.cpuUsage();
  let error: string | null = null;
  try {
    await importDataset(new DatasetStore(db), request);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  peak = Math.max(peak, process.memoryUsage.rss());
  const stored = db.prepare('SELECT count(*) FROM datasets').pluck().get() as number;
  db.close();
  return {
    importBomb: true,
    variant,
    compressedMB: round((await stat(file)).size / MB),
    inflatedMB: round(inflatedBytes / MB),
    inflatedLimitMB: ARCHIVE_LIMITS.inflatedBytes / MB,
    refusedAfterSeconds: round(seconds),
    cpuSeconds: round((used.user + used.system) / 1e6),
    peakRssMB: round(peak / MB),
    baselineRssMB: round(baseline / MB),
    stored,
    error,
  };
}

export async function benchImports(options: ImportBenchOptions = {}): Promise<ImportBenchLine[]> {
  const dir = await mkdtemp(join(tmpdir(), 'casebook-bench-imports-'));
  const lines: ImportBenchLine[] = [];
  try {
    for (const variant of ['batches', 'one-entry'] as const) {
      const line = await benchOne(variant, dir, options.batches ?? 196);
      options.report?.(line);
      lines.push(line);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return lines;
}
