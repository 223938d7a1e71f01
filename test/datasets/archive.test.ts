import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifarArchive } from '../../src/main/lab/datasets/archive';
import type { SplitData } from '../../src/main/lab/datasets/types';
import type { Progress } from '../../src/shared/contract';
import {
  IMAGE_BYTES,
  SMALL,
  batchBytes,
  cifarEntries,
  expectedHwc,
  record,
  records,
  tempDir,
  writeArchive,
  type RecordSpec,
} from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
let small: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('archive'));
  small = await writeArchive(dir, 'small.tar.gz', cifarEntries(SMALL));
});
afterAll(() => cleanup());

/** The records of `specs` whose CIFAR label is in `ids`, relabelled to their index in `ids`. */
function expectSplit(split: SplitData, specs: readonly RecordSpec[], ids: readonly number[]): void {
  const kept = specs.filter((spec) => ids.includes(spec.label));
  expect(Array.from(split.labels)).toEqual(kept.map((spec) => ids.indexOf(spec.label)));
  expect(split.pixels.length).toBe(kept.length * IMAGE_BYTES);
  kept.forEach((spec, i) => {
    const image = split.pixels.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES);
    expect({ image: i, firstDifference: firstDifference(image, expectedHwc(spec.id)) }).toEqual({
      image: i,
      firstDifference: -1,
    });
  });
}

/** The first index where the arrays differ, or -1 (much faster than toEqual on typed arrays). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  return a.findIndex((value, i) => value !== b[i]);
}

const trainSpecs = SMALL.train.flat();

describe('readCifarArchive', () => {
  it('keeps the requested classes, relabelled in the order given, with HWC pixels', async () => {
    const content = await readCifarArchive(small, { classes: ['deer', 'frog', 'truck'] });
    expect(content.classes).toEqual(['deer', 'frog', 'truck']);
    expect(content.shape).toEqual([32, 32, 3]);
    expect(content.train.labels.length).toBe(9);
    expect(content.test.labels.length).toBe(5);
    expectSplit(content.train, trainSpecs, [4, 6, 9]);
    expectSplit(content.test, SMALL.test, [4, 6, 9]);
  });

  it('converts the R, G and B planes to interleaved pixels exactly', async () => {
    const content = await readCifarArchive(small, { classes: ['airplane'] });
    // The first airplane in train is record id 1; pixel (row 0, col 1) is p = 1, (row 1, col 0) is p = 32.
    const hwc = content.train.pixels;
    const at = (row: number, col: number, c: number): number | undefined => hwc[(row * 32 + col) * 3 + c];
    const plane = record(0, 1);
    expect([at(0, 1, 0), at(0, 1, 1), at(0, 1, 2)]).toEqual([plane[1 + 1], plane[1 + 1024 + 1], plane[1 + 2048 + 1]]);
    expect([at(1, 0, 0), at(1, 0, 1), at(1, 0, 2)]).toEqual([
      plane[1 + 32],
      plane[1 + 1024 + 32],
      plane[1 + 2048 + 32],
    ]);
    expect(at(31, 31, 2)).toBe(plane[3072]);
  });

  it('honours a subset of classes and their order', async () => {
    const content = await readCifarArchive(small, { classes: ['truck', 'airplane'] });
    expect(content.classes).toEqual(['truck', 'airplane']);
    expectSplit(content.train, trainSpecs, [9, 0]);
    expectSplit(content.test, SMALL.test, [9, 0]);
  });

  it('keeps data_batch_1..N in numeric order whatever the order inside the tar', async () => {
    const layout = { ...SMALL, order: ['data_batch_2.bin', 'test_batch.bin', 'batches.meta.txt', 'data_batch_1.bin'] };
    const file = await writeArchive(dir, 'shuffled.tar.gz', cifarEntries(layout));
    const content = await readCifarArchive(file, { classes: ['frog', 'deer'] });
    expectSplit(content.train, trainSpecs, [6, 4]);
  });

  it('sorts batch numbers numerically (data_batch_10 after data_batch_2)', async () => {
    const train = Array.from({ length: 10 }, (_, i) => records([4], i));
    const file = await writeArchive(dir, 'ten.tar.gz', cifarEntries({ train, test: records([4], 50) }));
    const content = await readCifarArchive(file, { classes: ['deer'] });
    expectSplit(content.train, train.flat(), [4]);
  });

  it('reads an uncompressed .tar too', async () => {
    const file = await writeArchive(dir, 'small.tar', cifarEntries(SMALL), { gzip: false });
    const content = await readCifarArchive(file, { classes: ['deer', 'frog', 'truck'] });
    expectSplit(content.train, trainSpecs, [4, 6, 9]);
  });

  it('uses the standard class names when batches.meta.txt is missing', async () => {
    const file = await writeArchive(dir, 'nometa.tar.gz', cifarEntries({ ...SMALL, meta: null }));
    const content = await readCifarArchive(file, { classes: ['truck'] });
    expectSplit(content.train, trainSpecs, [9]);
  });

  it('uses the names in batches.meta.txt, even when it comes after the batches', async () => {
    const names = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'];
    const layout = {
      ...SMALL,
      meta: Buffer.from(names.join('\r\n')),
      order: ['data_batch_1.bin', 'data_batch_2.bin', 'batches.meta.txt', 'test_batch.bin'],
    };
    const file = await writeArchive(dir, 'custom-meta.tar.gz', cifarEntries(layout));
    const content = await readCifarArchive(file, { classes: ['a9', 'a0'] });
    expect(content.classes).toEqual(['a9', 'a0']);
    expectSplit(content.train, trainSpecs, [9, 0]);
    expectSplit(content.test, SMALL.test, [9, 0]);
    await expect(readCifarArchive(file, { classes: ['truck'] })).rejects.toThrow(/unknown class 'truck'.*a0, a1, a2/);
  });

  it('reports progress in bytes of the file, ending at its size', async () => {
    const seen: Progress[] = [];
    await readCifarArchive(small, { classes: ['deer'], onProgress: (p) => seen.push(p) });
    const size = (await stat(small)).size;
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((p) => p.unit === 'bytes' && p.total === size)).toBe(true);
    expect(seen.at(-1)?.done).toBe(size);
  });

  it('stops with an AbortError when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(readCifarArchive(small, { classes: ['deer'], signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('readCifarArchive on bad input', () => {
  /** Expects an ImportError whose message matches every pattern. */
  async function expectImportError(promise: Promise<unknown>, ...patterns: (string | RegExp)[]): Promise<void> {
    const error: unknown = await promise.then(
      () => new Error('expected the import to fail'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ImportError');
    for (const pattern of patterns) expect((error as Error).message).toMatch(pattern);
  }

  it('rejects a truncated archive, naming the file', async () => {
    const bytes = await readFile(small);
    const file = join(dir, 'half.tar.gz');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectImportError(
      readCifarArchive(file, { classes: ['deer'] }),
      `${file} is truncated or corrupt`,
      'unexpected end of file',
    );
  });

  it('rejects corrupt compressed bytes', async () => {
    const bytes = Buffer.from(await readFile(small));
    bytes.fill(0xff, 40, 400);
    const file = join(dir, 'corrupt.tar.gz');
    await writeFile(file, bytes);
    await expectImportError(readCifarArchive(file, { classes: ['deer'] }), `${file} is truncated or corrupt: `);
  });

  it('rejects a tar cut inside an entry', async () => {
    const tar = await readFile(await writeArchive(dir, 'whole.tar', cifarEntries(SMALL), { gzip: false }));
    const file = join(dir, 'cut.tar');
    await writeFile(file, tar.subarray(0, 5000));
    await expectImportError(readCifarArchive(file, { classes: ['deer'] }), `${file} is truncated or corrupt`);
  });

  it('rejects a file that is not an archive', async () => {
    const file = join(dir, 'notes.tar.gz');
    await writeFile(file, 'these are not the images you are looking for\n'.repeat(20));
    await expectImportError(readCifarArchive(file, { classes: ['deer'] }), `${file} is not a gzip or tar archive`);
  });

  it('rejects an empty file, a missing file and a folder', async () => {
    const empty = join(dir, 'empty.tar.gz');
    await writeFile(empty, '');
    await expectImportError(readCifarArchive(empty, { classes: ['deer'] }), `${empty} is empty`);
    await expectImportError(
      readCifarArchive(join(dir, 'nope.tar.gz'), { classes: ['deer'] }),
      `no such file: ${join(dir, 'nope.tar.gz')}`,
    );
    await expectImportError(readCifarArchive(dir, { classes: ['deer'] }), `${dir} is a folder`);
  });

  it('rejects a batch that is not a whole number of records', async () => {
    const entries = cifarEntries(SMALL).map((entry) =>
      entry.name.endsWith('data_batch_2.bin')
        ? { ...entry, data: Buffer.concat([batchBytes(records([4, 6], 0)), Buffer.alloc(1)]) }
        : entry,
    );
    const file = await writeArchive(dir, 'odd.tar.gz', entries);
    await expectImportError(
      readCifarArchive(file, { classes: ['deer'] }),
      file,
      'cifar-10-batches-bin/data_batch_2.bin has 6147 bytes, not a whole number of 3073-byte records',
    );
  });

  it('rejects a label above 9', async () => {
    const entries = cifarEntries({ ...SMALL, test: [...SMALL.test, { label: 12, id: 999 }] });
    const file = await writeArchive(dir, 'label.tar.gz', entries);
    await expectImportError(
      readCifarArchive(file, { classes: ['deer'] }),
      'cifar-10-batches-bin/test_batch.bin record 7 has label 12',
    );
  });

  it('rejects an archive without test_batch.bin or without data batches', async () => {
    const noTest = cifarEntries(SMALL).filter((entry) => !entry.name.endsWith('test_batch.bin'));
    const fileNoTest = await writeArchive(dir, 'notest.tar.gz', noTest);
    await expectImportError(readCifarArchive(fileNoTest, { classes: ['deer'] }), `${fileNoTest} has no test_batch.bin`);
    const noTrain = cifarEntries({ train: [], test: SMALL.test });
    const fileNoTrain = await writeArchive(dir, 'notrain.tar.gz', noTrain);
    await expectImportError(
      readCifarArchive(fileNoTrain, { classes: ['deer'] }),
      `${fileNoTrain} has no data_batch_N.bin files`,
    );
  });

  it('recognises the Python version of CIFAR-10 and says so', async () => {
    const entries = [{ name: 'cifar-10-batches-py/data_batch_1', data: Buffer.from('pickle') }];
    const file = await writeArchive(dir, 'cifar-10-python.tar.gz', entries);
    await expectImportError(
      readCifarArchive(file, { classes: ['deer'] }),
      'has no data_batch_N.bin files (this looks like the Python version',
    );
  });

  it('rejects an archive with the same batch twice', async () => {
    const entries = cifarEntries(SMALL);
    const file = await writeArchive(dir, 'twice.tar.gz', [
      ...entries,
      { name: 'other/data_batch_1.bin', data: batchBytes(records([4], 900)) },
    ]);
    await expectImportError(
      readCifarArchive(file, { classes: ['deer'] }),
      `${file} has two entries named data_batch_1.bin`,
    );
  });

  it('rejects an unknown class, listing the valid names', async () => {
    await expectImportError(
      readCifarArchive(small, { classes: ['deer', 'unicorn'] }),
      "unknown class 'unicorn'",
      'airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck',
    );
  });

  it('rejects a requested class with no images, naming the class and the split', async () => {
    await expectImportError(
      readCifarArchive(small, { classes: ['deer', 'ship'] }),
      "class 'ship' has no images in the train split",
      small,
    );
    const file = await writeArchive(dir, 'notestfrog.tar.gz', cifarEntries({ ...SMALL, test: records([4, 9], 300) }));
    await expectImportError(
      readCifarArchive(file, { classes: ['deer', 'frog'] }),
      "class 'frog' has no images in the test split",
    );
  });

  it('rejects duplicate or missing class names', async () => {
    await expectImportError(
      readCifarArchive(small, { classes: ['deer', 'frog', 'deer'] }),
      "class 'deer' is requested twice",
    );
    await expectImportError(readCifarArchive(small, { classes: [] }), 'no classes requested');
  });

  it('rejects a batches.meta.txt without ten names', async () => {
    const file = await writeArchive(dir, 'meta9.tar.gz', cifarEntries({ ...SMALL, meta: Buffer.from('a\nb\nc\n') }));
    await expectImportError(
      readCifarArchive(file, { classes: ['a'] }),
      'batches.meta.txt lists 3 class names; CIFAR-10 has 10',
    );
  });
});
