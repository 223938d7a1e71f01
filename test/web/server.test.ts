import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import type { Lab } from '../../src/main/lab/lab';
import { defaultRunConfig } from '../../src/shared/contract';
import { syntheticDataset } from '../helpers/synthetic';
import { testLab, storesOf } from '../helpers/lab';

let server: WebServer | null = null;
let lab: Lab | null = null;

afterEach(async () => {
  await server?.close();
  lab?.close();
  server = null;
  lab = null;
});

async function start(options: { requestTimeoutMs?: number } = {}) {
  const made = testLab();
  lab = made.lab;
  server = await startWebServer({ lab: made.lab, rendererDir: made.rendererDir, ...options });
  const base = new URL(server.url).origin;
  const auth = { authorization: `Bearer ${server.token}` };
  /** What the app's own page sends: the token, a JSON body. */
  const json = { ...auth, 'content-type': 'application/json' };
  return { ...made, base, auth, json, server };
}

/** The cookie the server hands out for its URL token, as a browser would then send it. */
async function cookieFor(server: WebServer): Promise<string> {
  const opened = await fetch(server.url, { redirect: 'manual' });
  return (opened.headers.get('set-cookie') ?? '').split(';')[0]!;
}

const SECURITY_HEADERS = {
  'content-security-policy': /default-src 'self';.*frame-ancestors 'none'/,
  'x-content-type-options': /^nosniff$/,
  'referrer-policy': /^no-referrer$/,
  'cross-origin-opener-policy': /^same-origin$/,
};

function expectSecurityHeaders(res: Response): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toMatch(value);
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
    // people who ran `npm start` never saw `casebook serve`
    expect(await page.text()).toMatch(
      /older Casebook session.*printed when it started \(`npm start` or `casebook serve`\).*--new-token/,
    );
    const api = await fetch(`${base}/api/appInfo`, { method: 'POST', body: '{}' });
    expect(api.status).toBe(401);
    // the API answers an envelope, so the page's client can tell a refused login from a stopped server
    expect(await api.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
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
    expect(cookie).toMatch(new RegExp(`^casebook_token_${new URL(base).port}=.+; HttpOnly; SameSite=Strict`));
    const page = await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Casebook test page');
  });

  it('names its cookie per port: two servers in one browser keep both logins', async () => {
    const first = await start();
    const second = await startWebServer({ lab: first.lab, rendererDir: first.rendererDir });
    try {
      // a browser keeps one cookie per name and host, whatever the port, and sends it to every port
      const jar = new Map<string, string>();
      for (const cookie of [await cookieFor(first.server), await cookieFor(second)]) {
        const [name = '', value = ''] = cookie.split('=');
        jar.set(name, value);
      }
      expect(jar.size).toBe(2);
      const header = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      for (const base of [first.base, new URL(second.url).origin]) {
        const page = await fetch(`${base}/`, { headers: { cookie: header } });
        expect(page.status, base).toBe(200);
      }
    } finally {
      await second.close();
    }
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
    const { base, json } = await start();
    const info = await (await fetch(`${base}/api/appInfo`, { method: 'POST', body: '{}', headers: json })).json();
    expect(info).toMatchObject({ ok: true, value: { mode: 'browser', defaultClasses: ['deer', 'frog', 'truck'] } });
    const list = await (await fetch(`${base}/api/listDatasets`, { method: 'POST', body: '{}', headers: json })).json();
    expect(list).toEqual({ ok: true, value: [] });
  });

  it('validates inputs, names the bad field, and answers failures with their status', async () => {
    const { base, json } = await start();
    const res = await fetch(`${base}/api/getDataset`, { method: 'POST', body: '{"id": "one"}', headers: json });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('bad-request');
    expect(body.error.message).toMatch(/^getDataset: id: /);
    const missing = await fetch(`${base}/api/getDataset`, { method: 'POST', body: '{"id": 42}', headers: json });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ ok: false, error: { code: 'not-found', message: 'no dataset with id 42' } });
    const notJson = await fetch(`${base}/api/getDataset`, { method: 'POST', body: '{', headers: json });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const unknown = await fetch(`${base}/api/dropTables`, { method: 'POST', body: '{}', headers: json });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('answers an unknown run with 404 and resuming a finished run with 409', async () => {
    const { base, json, lab } = await start();
    const unknown = await fetch(`${base}/api/getRun`, { method: 'POST', body: '{"id": 999}', headers: json });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
    const run = storesOf(lab).runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('cnn'),
    });
    storesOf(lab).runs.setStatus(run.id, 'done');
    const resumed = await fetch(`${base}/api/resumeRun`, {
      method: 'POST',
      body: JSON.stringify({ id: run.id }),
      headers: json,
    });
    expect(resumed.status).toBe(409);
    expect(await resumed.json()).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(storesOf(lab).runs.get(run.id).status).toBe('done');
    expect(lab.jobs.list()).toEqual([]);
  });

  it('refuses a POST from another site, even with the cookie, and carries nothing out', async () => {
    const { base, server, lab, rendererDir } = await start();
    const cookie = await cookieFor(server);
    // a valid import a foreign page would like to start
    const body = JSON.stringify({ kind: 'folder', path: rendererDir });
    const headers = { cookie, 'content-type': 'application/json' };
    const foreigners: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: `http://127.0.0.1:${Number(new URL(base).port) + 1}` },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const foreign of foreigners) {
      const res = await fetch(`${base}/api/startImport`, { method: 'POST', body, headers: { ...headers, ...foreign } });
      expect(res.status, JSON.stringify(foreign)).toBe(403);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
    expect(lab.jobs.list()).toEqual([]);
    // the page's own origin, either spelling, is fine
    for (const own of [base, base.replace('127.0.0.1', 'localhost')]) {
      const res = await fetch(`${base}/api/listJobs`, {
        method: 'POST',
        body: '{}',
        headers: { ...headers, origin: own, 'sec-fetch-site': 'same-origin' },
      });
      expect(res.status, own).toBe(200);
    }
  });

  it('refuses a state-changing request whose body is not declared JSON', async () => {
    const { base, server, auth, lab, rendererDir } = await start();
    const cookie = await cookieFor(server);
    const body = JSON.stringify({ kind: 'folder', path: rendererDir });
    const refused: Record<string, string>[] = [
      { cookie, 'content-type': 'text/plain' },
      { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      { ...auth, 'content-type': 'text/plain;charset=UTF-8' },
      auth,
    ];
    for (const headers of refused) {
      const res = await fetch(`${base}/api/startImport`, { method: 'POST', body, headers });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    expect(lab.jobs.list()).toEqual([]);
    const withCharset = await fetch(`${base}/api/listJobs`, {
      method: 'POST',
      body: '{}',
      headers: { ...auth, 'content-type': 'application/json; charset=utf-8' },
    });
    expect(withCharset.status).toBe(200);
  });

  it('sends the security headers with every kind of response', async () => {
    const { base, auth, json, lab } = await start();
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
    const responses = [
      await fetch(`${base}/api/appInfo`, { method: 'POST', body: '{}', headers: json }),
      await fetch(`${base}/api/getRun`, { method: 'POST', body: '{"id": 5}', headers: json }),
      await fetch(`${base}/`, { headers: auth }),
      await fetch(`${base}/image/${dataset.id}/test/0.png`, { headers: auth }),
      await fetch(`${base}/missing.js`, { headers: auth }),
      await fetch(`${base}/`),
    ];
    expect(responses.map((res) => res.status)).toEqual([200, 404, 200, 200, 404, 401]);
    for (const res of responses) expectSecurityHeaders(res);
  });

  it('answers a malformed percent-encoding with 400, not 500', async () => {
    const { base, auth } = await start();
    for (const path of ['/%E0%A4%A', '/image/%E0%A4%A.png', '/%00']) {
      const res = await fetch(`${base}${path}`, { headers: auth });
      expect(res.status, path).toBe(400);
    }
    // and the server still answers
    expect((await fetch(`${base}/`, { headers: auth })).status).toBe(200);
  });

  it('serves stored images as PNG', async () => {
    const { base, auth, lab } = await start();
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
    const res = await fetch(`${base}/image/${dataset.id}/train/1.png`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([32, 32, 3]);
    expect(data[0]).toBe(storesOf(lab).datasets.image(dataset.id, 'train', 1).pixels[0]);
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

describe('slow clients', () => {
  it('closes a request whose body drips in slower than the request deadline allows, with 408', async () => {
    const { base, server } = await start({ requestTimeoutMs: 600 });
    const { port } = new URL(base);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let said = '';
      socket.on('data', (chunk) => (said += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(drip);
        resolve(said);
      });
      socket.write(
        `POST /api/appInfo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${server.token}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
      );
      // one byte every 100 ms: the body would take 100 s
      const drip = setInterval(() => socket.write('{'), 100);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(3000);
    // and the server still answers others
    const info = await fetch(`${base}/api/appInfo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(info.status).toBe(200);
  });
});
