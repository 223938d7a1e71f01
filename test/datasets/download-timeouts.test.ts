import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveArchive } from '../../src/main/lab/datasets/download';
import { importDataset } from '../../src/main/lab/datasets/import';
import { STALE_DOWNLOAD_MS, sweepStaleDownloads } from '../../src/main/lab/datasets/partials';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { ImportRequest } from '../../src/shared/contract';
import { localServer } from './local-server';

const SHORT = { connectMs: 200, idleMs: 200, totalMs: 60_000 };

/** /silent never answers; /stall sends headers and 2 MiB of 4, then nothing; /huge announces 300 MB. */
const local = localServer('download-timeouts', (req, res) => {
  if (req.url === '/silent.tar.gz') return; // no status, no headers, ever
  if (req.url === '/stall.tar.gz') {
    res.writeHead(200, { 'content-length': 4 << 20 });
    res.write(Buffer.alloc(2 << 20));
  } else if (req.url === '/huge.tar.gz') {
    res.writeHead(200, { 'content-length': 300_000_000 });
    res.write(Buffer.alloc(1000));
  } else if (req.url === '/drip.tar.gz') {
    // one byte every 50 ms: never idle long enough for the idle timeout
    res.writeHead(200, { 'content-length': 1000 });
    const drip = setInterval(() => res.write(Buffer.alloc(1)), 50);
    res.on('close', () => clearInterval(drip));
  } else if (req.url === '/endless.tar.gz') {
    // no content-length, and more bytes than an archive may have
    res.writeHead(200);
    const chunk = Buffer.alloc(1 << 20);
    const more = (): void => {
      while (res.write(chunk));
    };
    res.on('drain', more);
    more();
  } else {
    res.writeHead(404);
    res.end();
  }
});
const { cacheDir } = local;

describe('download timeouts and limits', () => {
  it('gives up on a server that never answers, naming the URL and the timeout', async () => {
    const into = await cacheDir('silent');
    const url = `${local.base}/silent.tar.gz`;
    await expect(resolveArchive(url, { cacheDir: into, timeouts: SHORT })).rejects.toThrow(
      `download of ${url} timed out: the server did not answer within 200 ms`,
    );
    expect(await readdir(into)).toEqual([]);
  });

  it('gives up on a body that stalls, and removes the partial file', async () => {
    const into = await cacheDir('stall');
    const url = `${local.base}/stall.tar.gz`;
    await expect(resolveArchive(url, { cacheDir: into, timeouts: SHORT })).rejects.toThrow(
      `download of ${url} timed out: no data for 200 ms after 2,097,152 bytes`,
    );
    expect(await readdir(into)).toEqual([]);
  });

  it('gives up on a body that drips steadily once the whole download outlasts its deadline', async () => {
    const into = await cacheDir('drip');
    const url = `${local.base}/drip.tar.gz`;
    const started = Date.now();
    await expect(
      resolveArchive(url, { cacheDir: into, timeouts: { connectMs: 500, idleMs: 500, totalMs: 1000 } }),
    ).rejects.toThrow(new RegExp(`^download of ${url} timed out: not finished within 1 s \\(\\d+ bytes received\\)$`));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await readdir(into)).toEqual([]);
  });

  it('fails the import with the timeout, writing nothing', async () => {
    const db = openDatabase(':memory:');
    try {
      const url = `${local.base}/stall.tar.gz`;
      const into = await cacheDir('stall-import');
      const request = ImportRequest.parse({ kind: 'archive', source: url, classes: ['deer'] });
      await expect(
        importDataset(new DatasetStore(db), request, { cacheDir: into, timeouts: SHORT }),
      ).rejects.toMatchObject({
        name: 'ImportError',
        message: expect.stringContaining(`download of ${url} timed out`),
      });
      expect(await readdir(into)).toEqual([]);
      expect(db.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('refuses a download larger than an archive may be, from its content-length or as it arrives', async () => {
    const into = await cacheDir('huge');
    await expect(resolveArchive(`${local.base}/huge.tar.gz`, { cacheDir: into })).rejects.toThrow(
      `${local.base}/huge.tar.gz is 300 MB (its content-length), more than the 200 MB an archive may have`,
    );
    await expect(
      resolveArchive(`${local.base}/endless.tar.gz`, { cacheDir: into, maxBytes: 5_000_000 }),
    ).rejects.toThrow(`${local.base}/endless.tar.gz is larger, more than the 5 MB an archive may have`);
    expect(await readdir(into)).toEqual([]);
  });
});

describe('sweepStaleDownloads', () => {
  const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';

  it('removes leftover downloads older than an hour, and nothing else', async () => {
    const into = await cacheDir('sweep');
    const old = (Date.now() - STALE_DOWNLOAD_MS - 60_000) / 1000;
    const stale = join(into, `casebook-${uuid}-cifar-10-binary.tar.gz`);
    const fresh = join(into, `casebook-${uuid.replace('0f', '1f')}-cifar-10-binary.tar.gz`);
    const otherFile = join(into, 'casebook-notes.txt');
    const folder = join(into, `casebook-${uuid.replace('0f', '2f')}-folder`);
    await writeFile(stale, 'partial');
    await writeFile(fresh, 'in progress');
    await writeFile(otherFile, 'not a download');
    await mkdir(folder);
    for (const path of [stale, otherFile, folder]) await utimes(path, old, old);
    expect(await sweepStaleDownloads({ dir: into })).toEqual([stale]);
    expect((await readdir(into)).sort()).toEqual(
      [fresh, otherFile, folder].map((path) => path.slice(into.length + 1)).sort(),
    );
  });

  it('runs when an archive import starts', async () => {
    const into = await cacheDir('sweep-on-import');
    const stale = join(into, `casebook-${uuid}-left-behind.tar.gz`);
    await writeFile(stale, 'partial');
    const old = (Date.now() - 2 * STALE_DOWNLOAD_MS) / 1000;
    await utimes(stale, old, old);
    const db = openDatabase(':memory:');
    try {
      const request = ImportRequest.parse({
        kind: 'archive',
        source: `${local.base}/missing.tar.gz`,
        classes: ['deer'],
      });
      await expect(importDataset(new DatasetStore(db), request, { cacheDir: into })).rejects.toThrow('HTTP 404');
    } finally {
      db.close();
    }
    expect(await readdir(into)).toEqual([]);
  });

  it('returns nothing for a folder that does not exist', async () => {
    expect(await sweepStaleDownloads({ dir: join(local.dir, 'no-such-folder') })).toEqual([]);
  });
});
