import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toFetchResponse } from '../../src/main/doors/fetch-response';
import { routeStatic, type StaticSite } from '../../src/main/doors/static-route';
import type { Lab } from '../../src/main/lab/lab';
import { testLab, storesOf } from '../helpers/lab';
import { syntheticDataset } from '../helpers/synthetic';

let lab: Lab | null = null;

afterEach(() => {
  lab?.close();
  lab = null;
});

function site(): StaticSite & { datasetId: number; dir: string } {
  const made = testLab();
  lab = made.lab;
  writeFileSync(join(made.rendererDir, 'app.js'), 'console.log(1)');
  const { dataset } = storesOf(made.lab).datasets.add(syntheticDataset());
  return { lab: made.lab, rendererDir: made.rendererDir, datasetId: dataset.id, dir: made.dir };
}

describe('the static route both doors share', () => {
  it('serves the renderer files with their content types', async () => {
    const s = site();
    const index = await routeStatic(s, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(index.body)).toContain('Casebook test page');
    const script = await routeStatic(s, 'GET', '/app.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await routeStatic(s, 'GET', '/missing.css')).status).toBe(404);
  });

  it('serves stored images as PNG, and 404 for an image that does not exist', async () => {
    const s = site();
    const png = await routeStatic(s, 'GET', `/image/${s.datasetId}/train/1.png`);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(Buffer.from(png.body).subarray(1, 4).toString('latin1')).toBe('PNG');
    const missing = await routeStatic(s, 'GET', `/image/${s.datasetId}/train/999.png`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatch(/no train image 999/);
    expect((await routeStatic(s, 'GET', '/image/77/test/0.png')).status).toBe(404);
  });

  it('answers a malformed percent-encoding or a NUL byte with 400', async () => {
    const s = site();
    for (const path of ['/%E0%A4%A', '/%', '/image/%ZZ/test/0.png', '/index.html%00']) {
      const res = await routeStatic(s, 'GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body).toMatch(/malformed path/);
    }
  });

  it('never serves a file outside the renderer folder', async () => {
    const s = site();
    writeFileSync(join(s.dir, 'secret.txt'), 'secret');
    for (const path of ['/..%2fsecret.txt', '/%2e%2e/secret.txt', '/..%5csecret.txt', '/../secret.txt']) {
      const res = await routeStatic(s, 'GET', path);
      expect([403, 404], path).toContain(res.status);
      expect(res.body).not.toBe('secret');
    }
    expect((await routeStatic(s, 'GET', '/..%2fsecret.txt')).status).toBe(403);
  });

  it('allows only GET and HEAD', async () => {
    const s = site();
    const res = await routeStatic(s, 'POST', '/');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect((await routeStatic(s, 'HEAD', '/')).status).toBe(200);
  });

  it('becomes a fetch Response with the security headers (what casebook:// returns)', async () => {
    const s = site();
    for (const path of ['/', `/image/${s.datasetId}/test/0.png`, '/%E0%A4%A']) {
      const res = toFetchResponse(await routeStatic(s, 'GET', path));
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    }
    const png = toFetchResponse(await routeStatic(s, 'GET', `/image/${s.datasetId}/test/0.png`));
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await png.arrayBuffer())[0]).toBe(0x89);
  });
});
