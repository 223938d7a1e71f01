import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveArchive } from '../../src/main/lab/datasets/download';
import { CIFAR10_MD5, CIFAR10_URL, type Progress } from '../../src/shared/contract';
import { localServer } from './local-server';

const BYTES = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff));
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** /data.tar.gz with a content-length, /chunked.tar.gz without, /hang.tar.gz never ends, anything else 404. */
const local = localServer('download', (req, res) => {
  if (req.url === '/data.tar.gz') {
    res.writeHead(200, { 'content-length': BYTES.length });
    res.end(BYTES);
  } else if (req.url === '/chunked.tar.gz') {
    res.writeHead(200);
    res.write(BYTES.subarray(0, 1000));
    res.end(BYTES.subarray(1000));
  } else if (req.url === '/hang.tar.gz') {
    // more than the 1 MiB progress step, then nothing: only cancelling ends this download
    res.writeHead(200, { 'content-length': 4 << 20 });
    res.write(Buffer.alloc(2 << 20));
  } else {
    res.writeHead(404, 'Not Found');
    res.end('no such thing');
  }
});
const { cacheDir } = local;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('resolveArchive with a local file', () => {
  it('uses the file in place and hashes it', async () => {
    const file = join(local.dir, 'local.tar.gz');
    await writeFile(file, BYTES);
    const seen: Progress[] = [];
    const resolved = await resolveArchive(file, { onProgress: (p) => seen.push(p) });
    expect(resolved).toEqual({ file, sha256: sha256(BYTES), md5: md5(BYTES), temporary: false });
    expect(seen.at(-1)).toMatchObject({ done: BYTES.length, total: BYTES.length, unit: 'bytes' });
    expect((await resolveArchive(pathToFileURL(file).href)).file).toBe(file);
  });

  it('checks the md5 when one is given', async () => {
    const file = join(local.dir, 'local.tar.gz');
    await writeFile(file, BYTES);
    await expect(resolveArchive(file, { md5: md5(BYTES).toUpperCase() })).resolves.toMatchObject({ md5: md5(BYTES) });
    const wrong = '0'.repeat(32);
    await expect(resolveArchive(file, { md5: wrong })).rejects.toThrow(
      `${file} has md5 ${md5(BYTES)}, expected ${wrong}`,
    );
  });

  it('names a missing file and refuses a folder', async () => {
    const missing = join(local.dir, 'missing.tar.gz');
    await expect(resolveArchive(missing)).rejects.toThrow(`no such file: ${missing}`);
    await expect(resolveArchive(local.dir)).rejects.toThrow(`${local.dir} is a folder, not an archive file`);
  });
});

describe('resolveArchive with a URL', () => {
  it('downloads to a temporary file, with byte progress and the md5 checked', async () => {
    const seen: Progress[] = [];
    const into = await cacheDir('ok');
    const url = `${local.base}/data.tar.gz`;
    const resolved = await resolveArchive(url, { md5: md5(BYTES), cacheDir: into, onProgress: (p) => seen.push(p) });
    expect(resolved).toMatchObject({ sha256: sha256(BYTES), md5: md5(BYTES), temporary: true });
    expect(resolved.file.startsWith(into)).toBe(true);
    expect(await readdir(into)).toHaveLength(1);
    expect(seen.every((p) => p.unit === 'bytes' && p.total === BYTES.length)).toBe(true);
    expect(seen.at(-1)?.done).toBe(BYTES.length);
  });

  it('reports an unknown total when there is no content-length', async () => {
    const seen: Progress[] = [];
    const resolved = await resolveArchive(`${local.base}/chunked.tar.gz`, {
      cacheDir: await cacheDir('chunked'),
      onProgress: (p) => seen.push(p),
    });
    expect(resolved.md5).toBe(md5(BYTES));
    expect(seen.every((p) => p.total === null)).toBe(true);
  });

  it('deletes the download when the md5 does not match', async () => {
    const into = await cacheDir('mismatch');
    const url = `${local.base}/data.tar.gz`;
    const wrong = 'f'.repeat(32);
    await expect(resolveArchive(url, { md5: wrong, cacheDir: into })).rejects.toThrow(
      `${url} has md5 ${md5(BYTES)}, expected ${wrong}`,
    );
    expect(await readdir(into)).toEqual([]);
  });

  it('names the URL and the HTTP status on a 404', async () => {
    const into = await cacheDir('404');
    const url = `${local.base}/nothing-here.tar.gz`;
    await expect(resolveArchive(url, { cacheDir: into })).rejects.toThrow(
      `download of ${url} failed: HTTP 404 Not Found`,
    );
    expect(await readdir(into)).toEqual([]);
  });

  it('names the URL and the cause when the server cannot be reached', async () => {
    // a port that was free a moment ago
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const url = `http://127.0.0.1:${port}/data.tar.gz`;
    await expect(resolveArchive(url, { cacheDir: await cacheDir('refused') })).rejects.toThrow(
      new RegExp(`cannot download ${url.replace(/\./g, '\\.')}: .*ECONNREFUSED`),
    );
  });

  it('checks the official URL against the official md5 unless another md5 is given', async () => {
    const fetchStub = vi.fn(async () => new Response(BYTES, { headers: { 'content-length': String(BYTES.length) } }));
    vi.stubGlobal('fetch', fetchStub);
    const into = await cacheDir('official');
    await expect(resolveArchive(CIFAR10_URL, { cacheDir: into })).rejects.toThrow(
      `${CIFAR10_URL} has md5 ${md5(BYTES)}, expected ${CIFAR10_MD5}`,
    );
    expect(await readdir(into)).toEqual([]);
    const resolved = await resolveArchive(CIFAR10_URL, { cacheDir: into, md5: md5(BYTES) });
    expect(resolved.temporary).toBe(true);
    expect(fetchStub).toHaveBeenCalledTimes(2);
  });

  it('stops with an AbortError when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const into = await cacheDir('abort');
    await expect(
      resolveArchive(`${local.base}/data.tar.gz`, { cacheDir: into, signal: controller.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(await readdir(into)).toEqual([]);
  });

  it('deletes a partial download when cancelled half-way', async () => {
    const controller = new AbortController();
    const into = await cacheDir('abort-midway');
    const download = resolveArchive(`${local.base}/hang.tar.gz`, {
      cacheDir: into,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done > 0) controller.abort();
      },
    });
    await expect(download).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(into)).toEqual([]);
  }, 5000);
});
