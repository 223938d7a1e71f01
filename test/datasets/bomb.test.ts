import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchUnit, flatRecord, recordBomb, tarHeader, writeGzipTar } from '../../bench/bomb';
import { readCifarArchive } from '../../src/main/lab/datasets/archive';
import { importDataset } from '../../src/main/lab/datasets/import';
import { ARCHIVE_LIMITS } from '../../src/main/lab/datasets/limits';
import { openDatabase, type Db } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { ImportRequest, type Progress } from '../../src/shared/contract';
import { META_TXT, SMALL, cifarEntries, tempDir, writeArchive } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
let db: Db;
let store: DatasetStore;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('bomb'));
});
afterAll(() => cleanup());
beforeEach(() => {
  db = openDatabase(':memory:');
  store = new DatasetStore(db);
});
afterEach(() => db.close());

const request = (source: string) =>
  ImportRequest.parse({ kind: 'archive', source, classes: ['deer', 'frog', 'truck'] });
const count = (table: 'datasets' | 'images'): number =>
  (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** The error an import fails with, and how far into the file it read. */
async function failedImport(file: string): Promise<{ error: Error; readBytes: number }> {
  let readBytes = 0;
  const onProgress = (p: Progress): void => {
    if (p.phase === 'reading archive') readBytes = Math.max(readBytes, p.done);
  };
  const error: unknown = await importDataset(store, request(file), { onProgress }).then(
    () => new Error('expected the import to fail'),
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error(`the import failed with a non-Error: ${String(error)}`);
  return { error, readBytes };
}

describe('import limits against decompression bombs', () => {
  it('refuses 6 GB of valid deer batches once the tar passes 200 MB, and writes nothing', async () => {
    const file = join(dir, 'bomb.tar.gz');
    const { inflatedBytes } = await writeGzipTar(file, recordBomb(196, 4));
    const size = (await stat(file)).size;
    expect(inflatedBytes).toBeGreaterThan(6e9);
    expect(size).toBeLessThan(10e6);
    const { error, readBytes } = await failedImport(file);
    expect(error.name).toBe('ImportError');
    expect(error.message).toContain(`${file} inflates to more than 200 MB, the limit for a CIFAR-10 binary archive`);
    // it stopped near the limit (about 0.3 MB of this file), not at the end of the file
    expect(readBytes).toBeLessThan(size / 2);
    expect(count('datasets')).toBe(0);
    expect(count('images')).toBe(0);
  });

  it('refuses a batch whose header announces more than a batch may hold, before inflating it', async () => {
    const file = join(dir, 'one-entry.tar.gz');
    const unit = batchUnit(flatRecord(4));
    const entry = { name: 'cifar-10-batches-bin/data_batch_1.bin', unit, repeats: 196 };
    await writeGzipTar(file, [entry]);
    const size = (await stat(file)).size;
    const { error, readBytes } = await failedImport(file);
    expect(error.name).toBe('ImportError');
    expect(error.message).toBe(
      `${file}: cifar-10-batches-bin/data_batch_1.bin is 6,023,080,000 bytes, more than the 33,803,000-byte ` +
        'limit for one batch (a CIFAR-10 batch is 10,000 records, 30,730,000 bytes)',
    );
    expect(readBytes).toBeLessThan(size / 2);
    expect(count('datasets')).toBe(0);
  });

  it('refuses a plain .tar larger than the limit from its size alone, before hashing or reading it', async () => {
    const file = join(dir, 'huge.tar');
    const handle = await open(file, 'w');
    try {
      await handle.write(tarHeader('cifar-10-batches-bin/data_batch_1.bin', 30_730_000));
      await handle.truncate(ARCHIVE_LIMITS.inflatedBytes + 1); // sparse: no disk, no memory
    } finally {
      await handle.close();
    }
    const { error, readBytes } = await failedImport(file);
    expect(error.message).toBe(
      `${file} is 200,000,001 bytes, more than the 200 MB an archive may have (CIFAR-10's is 170 MB); refusing it`,
    );
    expect(readBytes).toBe(0);
    await expect(readCifarArchive(file, { classes: ['deer'] })).rejects.toThrow(
      `${file} is more than 200 MB, the limit for a CIFAR-10 binary archive`,
    );
  });

  it('accepts an archive the size of the official one (six full batches)', async () => {
    // one deer and 9,999 airplanes per batch: full size, little kept
    const unit = [flatRecord(4), ...batchUnit(flatRecord(0), 9_999)];
    const batches = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'];
    const entries = [
      { name: 'cifar-10-batches-bin/batches.meta.txt', unit: [META_TXT] },
      ...batches.map((name) => ({ name: `cifar-10-batches-bin/${name}.bin`, unit })),
    ];
    const file = join(dir, 'official-size.tar.gz');
    const { inflatedBytes } = await writeGzipTar(file, entries);
    expect(inflatedBytes).toBeGreaterThan(184_380_000);
    const content = await readCifarArchive(file, { classes: ['deer'] });
    expect(content.train.labels.length).toBe(5);
    expect(content.test.labels.length).toBe(1);
  });

  it('applies smaller limits when given them', async () => {
    const file = await writeArchive(dir, 'small.tar.gz', cifarEntries(SMALL));
    await expect(
      readCifarArchive(file, { classes: ['deer'], limits: { inflatedBytes: 20_000, batchBytes: 1e6 } }),
    ).rejects.toThrow(`${file} inflates to more than 20,000 bytes`);
    await expect(
      readCifarArchive(file, { classes: ['deer'], limits: { inflatedBytes: 1e6, batchBytes: 3 * 3073 } }),
    ).rejects.toThrow('data_batch_1.bin is 18,438 bytes, more than the 9,219-byte limit for one batch');
  });
});
