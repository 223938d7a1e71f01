/**
 * Browser mode: the renderer and the contract served over HTTP on 127.0.0.1, behind a random
 * per-launch token. The page is opened once with `?token=…`; the server answers with a cookie
 * and every later request (API, events, images, assets) must carry it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import {
  eventNames,
  IMAGE_PATH_PATTERN,
  requestNames,
  type EventName,
  type EventPayload,
  type RequestName,
} from '../../shared/contract';
import type { Lab } from '../lab/lab';

export interface WebServerOptions {
  lab: Lab;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface WebServer {
  url: string;
  token: string;
  server: Server;
  /** Pushes an event to every connected page. */
  broadcast<K extends EventName>(name: K, payload: EventPayload<K>): void;
  close(): Promise<void>;
}

const COOKIE = 'casebook_token';
const MAX_BODY = 1 << 20;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const clients = new Set<ServerResponse>();
  let port = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('casebook serve:', error);
      if (!res.headersSent) send(res, 500, 'text/plain', `internal error: ${(error as Error).message}`);
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Only answer requests addressed to this loopback server (guards against DNS rebinding).
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 421, 'text/plain', 'wrong host');

    const given = url.searchParams.get('token');
    if (given !== null && (url.pathname === '/' || url.pathname === '/index.html') && sameToken(given, token)) {
      res.writeHead(303, {
        location: '/',
        'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
      });
      return void res.end();
    }
    if (!authorised(req, token)) {
      return send(
        res,
        401,
        'text/plain',
        'Casebook: open the URL that `casebook serve` printed (it carries the access token).',
      );
    }

    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const name = url.pathname.slice('/api/'.length);
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'use POST');
      if (!isRequestName(name))
        return sendJson(res, 404, { ok: false, error: { code: 'bad-request', message: `unknown request ${name}` } });
      let input: unknown;
      try {
        input = JSON.parse((await readBody(req)) || '{}');
      } catch (error) {
        return sendJson(res, 400, {
          ok: false,
          error: { code: 'bad-request', message: `body is not JSON: ${(error as Error).message}` },
        });
      }
      const result = await options.lab.dispatch(name, input);
      return sendJson(res, 200, result);
    }
    const image = IMAGE_PATH_PATTERN.exec(url.pathname);
    if (image && req.method === 'GET') {
      const [, datasetId, split, index] = image;
      try {
        const png = await options.lab.imagePng(Number(datasetId), split as 'train' | 'test', Number(index));
        res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' });
        return void res.end(png);
      } catch (error) {
        return send(res, 404, 'text/plain', (error as Error).message);
      }
    }
    if (req.method === 'GET') return serveStatic(options.rendererDir, url.pathname, res);
    return send(res, 405, 'text/plain', 'method not allowed');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  const keepAlive = setInterval(() => {
    for (const client of clients) client.write(': ping\n\n');
  }, 15_000);
  keepAlive.unref();

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    server,
    broadcast(name, payload) {
      const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
      for (const client of clients) client.write(frame);
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(keepAlive);
        for (const client of clients) client.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isRequestName(name: string): name is RequestName {
  return (requestNames as string[]).includes(name);
}

export function isEventName(name: string): name is EventName {
  return (eventNames as string[]).includes(name);
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authorised(req: IncomingMessage, token: string): boolean {
  const bearer = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
  if (bearer !== undefined) return sameToken(bearer, token);
  const cookie = (req.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === COOKIE)?.[1];
  return cookie !== undefined && sameToken(cookie, token);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function serveStatic(root: string, pathname: string, res: ServerResponse): Promise<void> {
  const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
  const file = normalize(join(root, relative));
  if (!file.startsWith(normalize(root) + sep)) return send(res, 403, 'text/plain', 'forbidden');
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch {
    return send(res, 404, 'text/plain', `not found: ${pathname}`);
  }
  const body = await readFile(file);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
  });
  res.end(body);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8` });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
