import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import type { Lab } from '../../src/main/lab/lab';
import { syntheticDataset } from '../helpers/synthetic';
import { testLab } from '../helpers/lab';

let server: WebServer | null = null;
let lab: Lab | null = null;

afterEach(async () => {
  await server?.close();
  lab?.close();
  server = null;
  lab = null;
});

async function start() {
  const made = testLab();
  lab = made.lab;
  server = await startWebServer({ lab: made.lab, rendererDir: made.rendererDir });
  const base = new URL(server.url).origin;
  const auth = { authorization: `Bearer ${server.token}` };
  return { ...made, base, auth, server };
}

describe('web server (browser mode)', () => {
  it('listens on 127.0.0.1 and prints a URL with a token', async () => {
    const { server } = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('refuses requests without the token', async () => {
    const { base } = await start();
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(401);
    const api = await fetch(`${base}/api/appInfo`, { method: 'POST', body: '{}' });
    expect(api.status).toBe(401);
    const wrong = await fetch(`${base}/api/appInfo`, {
      method: 'POST',
      body: '{}',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
  });

  it('trades the URL token for a cookie that then opens everything', async () => {
    const { server, base } = await start();
    const opened = await fetch(server.url, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    const cookie = opened.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^casebook_token=.+; HttpOnly; SameSite=Strict/);
    const page = await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Casebook test page');
  });

  it('refuses a foreign Host header', async () => {
    const { base, auth } = await start();
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(base);
      const req = request(
        { host: '127.0.0.1', port: url.port, path: '/', headers: { ...auth, host: 'evil.example:80' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('answers contract requests in result envelopes', async () => {
    const { base, auth } = await start();
    const info = await (await fetch(`${base}/api/appInfo`, { method: 'POST', body: '{}', headers: auth })).json();
    expect(info).toMatchObject({ ok: true, value: { mode: 'browser', defaultClasses: ['deer', 'frog', 'truck'] } });
    const list = await (await fetch(`${base}/api/listDatasets`, { method: 'POST', body: '{}', headers: auth })).json();
    expect(list).toEqual({ ok: true, value: [] });
  });

  it('validates inputs and names the bad field', async () => {
    const { base, auth } = await start();
    const res = await fetch(`${base}/api/getDataset`, { method: 'POST', body: '{"id": "one"}', headers: auth });
    const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('bad-request');
    expect(body.error.message).toMatch(/^getDataset: id: /);
    const missing = await (
      await fetch(`${base}/api/getDataset`, { method: 'POST', body: '{"id": 42}', headers: auth })
    ).json();
    expect(missing).toEqual({ ok: false, error: { code: 'not-found', message: 'no dataset with id 42' } });
    const notJson = await fetch(`${base}/api/getDataset`, { method: 'POST', body: '{', headers: auth });
    expect(notJson.status).toBe(400);
    const unknown = await fetch(`${base}/api/dropTables`, { method: 'POST', body: '{}', headers: auth });
    expect(unknown.status).toBe(404);
  });

  it('serves stored images as PNG', async () => {
    const { base, auth, lab } = await start();
    const { dataset } = lab.datasets.add(syntheticDataset());
    const res = await fetch(`${base}/image/${dataset.id}/train/1.png`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([32, 32, 3]);
    expect(data[0]).toBe(lab.datasets.image(dataset.id, 'train', 1).pixels[0]);
    const missing = await fetch(`${base}/image/${dataset.id}/train/999.png`, { headers: auth });
    expect(missing.status).toBe(404);
  });

  it('streams events to connected pages', async () => {
    const { base, auth, server } = await start();
    const res = await fetch(`${base}/api/events`, { headers: auth });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    server.broadcast('datasetsChanged', {});
    while (!text.includes('event: datasetsChanged')) text += decoder.decode((await reader.read()).value);
    expect(text).toContain('event: datasetsChanged\ndata: {}\n\n');
    await reader.cancel();
  });

  it('does not serve files outside the renderer folder', async () => {
    const { base, auth } = await start();
    const res = await fetch(`${base}/..%2f..%2fetc%2fpasswd`, { headers: auth });
    expect([403, 404]).toContain(res.status);
  });
});
