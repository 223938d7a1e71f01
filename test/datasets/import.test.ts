import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importDataset } from '../../src/main/lab/datasets/import';
import { openDatabase, type Db } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { ImportRequest, type Progress } from '../../src/shared/contract';
import { IMAGE_BYTES, SMALL, batchBytes, cifarEntries, expectedHwc, records, tempDir, writeArchive } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
let small: string;
let db: Db;
let store: DatasetStore;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('import'));
  small = await writeArchive(dir, 'small.tar.gz', cifarEntries(SMALL));
});
afterAll(() => cleanup());
beforeEach(() => {
  db = openDatabase(':memory:');
  store = new DatasetStore(db);
});
afterEach(() => db.close());

const archive = (source: string, extra: Record<string, unknown> = {}) =>
  ImportRequest.parse({ kind: 'archive', source, classes: ['deer', 'frog', 'truck'], ...extra });
const rows = (): number => (db.prepare('SELECT count(*) AS n FROM datasets').get() as { n: number }).n;
const imageRows = (): number => (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;

describe('importDataset from an archive', () => {
  it('stores the requested classes with a default name, the archive sha256 and the counts', async () => {
    const result = await importDataset(store, archive(small));
    const sha256 = createHash('sha256')
      .update(await readFile(small))
      .digest('hex');
    expect(result.reused).toBe(false);
    expect(result.skipped).toEqual([]);
    expect(result.dataset).toMatchObject({
      name: 'CIFAR-10 (deer, frog, truck)',
      kind: 'cifar10',
      source: small,
      classes: ['deer', 'frog', 'truck'],
      imageShape: [32, 32, 3],
      sourceSha256: sha256,
      counts: { train: { deer: 3, frog: 3, truck: 3 }, test: { deer: 2, frog: 1, truck: 2 } },
    });
    // stored pixels are the HWC conversion of the first deer record (id 0)
    const first = store.image(result.dataset.id, 'train', 0);
    expect(first.label).toBe(0);
    expect(Buffer.from(expectedHwc(0)).equals(first.pixels)).toBe(true);
    expect(store.loadSplit(result.dataset.id, 'test').pixels.length).toBe(5 * IMAGE_BYTES);
  });

  it('reuses the stored dataset when the same data is imported again', async () => {
    const first = await importDataset(store, archive(small));
    const copy = join(dir, 'copy-of-small.tar.gz');
    await writeFile(copy, await readFile(small));
    const second = await importDataset(store, archive(copy, { name: 'again' }));
    expect(second.reused).toBe(true);
    expect(second.dataset.id).toBe(first.dataset.id);
    expect(rows()).toBe(1);
    // a different class order is different content
    const reordered = await importDataset(store, archive(small, { classes: ['truck', 'frog', 'deer'] }));
    expect(reordered.reused).toBe(false);
    expect(rows()).toBe(2);
  });

  it('uses the given name', async () => {
    const result = await importDataset(store, archive(small, { name: 'three classes' }));
    expect(result.dataset.name).toBe('three classes');
  });

  describe('writes nothing when the input is bad', () => {
    const cases: { name: string; make: () => Promise<string>; classes?: string[]; message: RegExp | string }[] = [
      {
        name: 'a truncated archive',
        make: async () => {
          const bytes = await readFile(small);
          const file = join(dir, 'truncated.tar.gz');
          await writeFile(file, bytes.subarray(0, bytes.length >> 1));
          return file;
        },
        message: /truncated\.tar\.gz is truncated or corrupt: unexpected end of file/,
      },
      {
        name: 'corrupt bytes',
        make: async () => {
          const bytes = Buffer.from(await readFile(small));
          bytes.fill(0x55, 30, 300);
          const file = join(dir, 'corrupt.tar.gz');
          await writeFile(file, bytes);
          return file;
        },
        message: /corrupt\.tar\.gz is truncated or corrupt: /,
      },
      {
        name: 'a wrong record size',
        make: () =>
          writeArchive(
            dir,
            'recordsize.tar.gz',
            cifarEntries(SMALL).map((entry) =>
              entry.name.endsWith('data_batch_2.bin')
                ? { ...entry, data: batchBytes(records([4, 6], 0)).subarray(0, 6145) }
                : entry,
            ),
          ),
        message: 'cifar-10-batches-bin/data_batch_2.bin has 6145 bytes, not a whole number of 3073-byte records',
      },
      {
        name: 'an unknown class',
        make: async () => small,
        classes: ['deer', 'moose'],
        message: /unknown class 'moose'.*airplane, automobile/,
      },
      {
        name: 'a class with no images',
        make: async () => small,
        classes: ['deer', 'horse'],
        message: "class 'horse' has no images in the train split",
      },
      {
        name: 'not an archive',
        make: async () => {
          const file = join(dir, 'photo.tar.gz');
          await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } })
            .png()
            .toFile(file);
          return file;
        },
        message: /photo\.tar\.gz is not a gzip or tar archive/,
      },
      { name: 'a missing file', make: async () => join(dir, 'gone.tar.gz'), message: /no such file: .*gone\.tar\.gz/ },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const file = await testCase.make();
        const request = archive(file, testCase.classes ? { classes: testCase.classes } : {});
        await expect(importDataset(store, request)).rejects.toThrow(testCase.message);
        expect(rows()).toBe(0);
        expect(imageRows()).toBe(0);
      });
    }
  });

  it('stops with an AbortError and writes nothing when cancelled', async () => {
    const controller = new AbortController();
    const request = importDataset(store, archive(small), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'reading archive' && p.done > 0) controller.abort(new Error('user pressed stop'));
      },
    });
    await expect(request).rejects.toMatchObject({ name: 'AbortError' });
    expect(rows()).toBe(0);
  });
});

describe('importDataset from a URL', () => {
  let server: Server;
  let base: string;
  let bytes: Buffer;

  beforeAll(async () => {
    bytes = await readFile(small);
    server = createServer((req, res) => {
      if (req.url === '/cifar.tar.gz') {
        res.writeHead(200, { 'content-length': bytes.length });
        res.end(bytes);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads, imports and deletes the download', async () => {
    const cacheDir = join(dir, 'downloads');
    await mkdir(cacheDir, { recursive: true });
    const md5 = createHash('md5').update(bytes).digest('hex');
    const phases = new Set<string>();
    const url = `${base}/cifar.tar.gz`;
    const result = await importDataset(store, archive(url, { md5 }), {
      cacheDir,
      onProgress: (p: Progress) => phases.add(p.phase),
    });
    expect(result.dataset.source).toBe(url);
    expect(result.dataset.counts.train).toEqual({ deer: 3, frog: 3, truck: 3 });
    expect([...phases]).toEqual(['downloading', 'reading archive', 'saving']);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('fails on an md5 mismatch or a 404, leaving no file and no dataset', async () => {
    const cacheDir = join(dir, 'downloads-bad');
    await mkdir(cacheDir, { recursive: true });
    const url = `${base}/cifar.tar.gz`;
    await expect(importDataset(store, archive(url, { md5: 'a'.repeat(32) }), { cacheDir })).rejects.toThrow(
      `${url} has md5 ${createHash('md5').update(bytes).digest('hex')}, expected ${'a'.repeat(32)}`,
    );
    await expect(importDataset(store, archive(`${base}/nope.tar.gz`), { cacheDir })).rejects.toThrow(
      `download of ${base}/nope.tar.gz failed: HTTP 404`,
    );
    expect(await readdir(cacheDir)).toEqual([]);
    expect(rows()).toBe(0);
  });
});

describe('importDataset from a folder', () => {
  it('stores the images, reports what it skipped, and reuses on a second import', async () => {
    const root = join(dir, 'pets');
    for (const [cls, colours] of [
      ['cat', [10, 20, 30]],
      ['dog', [200, 100, 0]],
    ] as const) {
      await mkdir(join(root, cls), { recursive: true });
      for (let i = 0; i < 4; i++) {
        const image = sharp({
          create: {
            width: 20 + i * 7,
            height: 24,
            channels: 3,
            background: { r: colours[0], g: colours[1], b: i * 40 },
          },
        });
        await (i % 2 === 0 ? image.png() : image.jpeg()).toFile(join(root, cls, `${i}.${i % 2 === 0 ? 'png' : 'jpg'}`));
      }
    }
    await writeFile(join(root, 'dog', 'list.txt'), 'dogs');
    const request = ImportRequest.parse({ kind: 'folder', path: root, testFraction: 0.25 });
    const result = await importDataset(store, request);
    expect(result.dataset).toMatchObject({
      name: 'pets',
      kind: 'folder',
      source: root,
      sourceSha256: null,
      classes: ['cat', 'dog'],
      counts: { train: { cat: 3, dog: 3 }, test: { cat: 1, dog: 1 } },
    });
    expect(result.skipped).toEqual([{ file: 'dog/list.txt', reason: 'not a PNG or JPEG file (by its extension)' }]);
    const origin = db.prepare("SELECT origin FROM images WHERE split = 'train' ORDER BY idx LIMIT 1").get() as {
      origin: string;
    };
    expect(origin.origin).toMatch(/^cat\//);
    const again = await importDataset(store, request);
    expect(again).toMatchObject({ reused: true, dataset: { id: result.dataset.id } });
    expect(rows()).toBe(1);
  });

  it('writes nothing when a class has no usable images', async () => {
    const root = join(dir, 'half-empty');
    await mkdir(join(root, 'ant'), { recursive: true });
    await mkdir(join(root, 'bee'), { recursive: true });
    await sharp({ create: { width: 5, height: 5, channels: 3, background: 'blue' } })
      .png()
      .toFile(join(root, 'ant', 'a.png'));
    const request = ImportRequest.parse({ kind: 'folder', path: root });
    await expect(importDataset(store, request)).rejects.toThrow(
      `class 'bee' has no usable images in ${join(root, 'bee')}`,
    );
    expect(rows()).toBe(0);
  });
});
