/**
 * Browser mode: the renderer and the contract served over HTTP on 127.0.0.1, behind a random
 * token (kept across restarts by `casebook serve`, see session.ts). The page is opened once with
 * `?token=…`; the server answers with a cookie and every later request (API, events, images,
 * assets) must carry it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  eventNames,
  requestNames,
  type ErrorInfo,
  type EventName,
  type EventPayload,
  type RequestName,
} from '../../shared/contract';
import { routeStatic } from '../doors/static-route';
import { securityHeaders } from '../doors/security-headers';
import { HTTP_STATUS } from '../doors/status';
import { errorMessage } from '../lab/jobs/errors';
import type { Lab } from '../lab/lab';
import { contentTypeRefusal, crossSiteRefusal } from './guards';

export interface WebServerOptions {
  lab: Lab;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  port?: number;
  token?: string;
  /** How long a client may take to send a whole request, headers and body (default 30 s). */
  requestTimeoutMs?: number;
}

/**
 * A request is at most MAX_BODY of JSON from this machine: 30 s to send it is plenty. Node's
 * default (300 s) let a client that drips its body hold a connection for five minutes.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface WebServer {
  url: string;
  token: string;
  server: Server;
  /** Pushes an event to every connected page. */
  broadcast<K extends EventName>(name: K, payload: EventPayload<K>): void;
  close(): Promise<void>;
}

/**
 * The session cookie's name, one per port: cookies ignore the port, so two Casebook servers on one
 * machine (two studies) would otherwise overwrite each other's cookie and log each other out.
 * Any of them is accepted when it holds this server's token (see `authorised`).
 */
const COOKIE_PREFIX = 'casebook_token_';
export const cookieName = (port: number): string => `${COOKIE_PREFIX}${port}`;
/** What to do without a valid token or cookie; the renderer shows it as is. */
export const UNAUTHORISED =
  "this tab's login is from an older Casebook session (or it never had one): open the URL Casebook printed " +
  'when it started (`npm start` or `casebook serve`); it carries the access token. ' +
  'The token stays the same across restarts unless it was renewed (`casebook serve --new-token`).';
const MAX_BODY = 1 << 20;

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const clients = new Set<ServerResponse>();
  let port = 0;

  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, 10_000),
      // how often Node checks those deadlines (its default, 30 s, would let a short one run long)
      connectionsCheckingInterval: Math.min(1000, requestTimeout / 4),
    },
    (req, res) => {
      for (const [name, value] of Object.entries(securityHeaders())) res.setHeader(name, value);
      handle(req, res).catch((error: unknown) => {
        // a client that went away, or was cut off by the request deadline: nobody to answer
        if (req.destroyed && !res.headersSent) return;
        console.error('casebook serve:', error);
        if (!res.headersSent) send(res, 500, 'text/plain', `internal error: ${errorMessage(error)}`);
        else res.end();
      });
    },
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = URL.parse(req.url ?? '/', 'http://127.0.0.1');
    if (url === null) return send(res, 400, 'text/plain', `malformed request target ${req.url}`);
    // Only answer requests addressed to this loopback server (guards against DNS rebinding).
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 421, 'text/plain', 'wrong host');

    const given = url.searchParams.get('token');
    if (given !== null && (url.pathname === '/' || url.pathname === '/index.html') && sameToken(given, token)) {
      res.writeHead(303, {
        location: '/',
        'set-cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
      });
      return void res.end();
    }
    if (!authorised(req, token)) {
      // the renderer's client reads the envelope's code; a person reads the sentence
      if (url.pathname.startsWith('/api/')) return sendFailure(res, 401, 'unauthorized', UNAUTHORISED);
      return send(res, 401, 'text/plain', `Casebook: ${UNAUTHORISED}`);
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
    if (url.pathname.startsWith('/api/')) return api(req, res, url.pathname.slice('/api/'.length));
    const routed = await routeStatic(options, req.method ?? 'GET', url.pathname, url.search);
    res.writeHead(routed.status, routed.headers);
    res.end(routed.body);
  }

  /** A contract request: POST from this server's page (or a script), a JSON body, an envelope back. */
  async function api(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, 'text/plain', `use POST for /api/${name}`);
    }
    const crossSite = crossSiteRefusal(req.headers, port);
    if (crossSite !== null) return sendFailure(res, 403, 'unauthorized', crossSite);
    const wrongType = contentTypeRefusal(req.headers);
    if (wrongType !== null) return sendFailure(res, 415, 'bad-request', `${name}: ${wrongType}`);
    if (!isRequestName(name)) return sendFailure(res, 404, 'not-found', `unknown request ${name}`);
    const body = await readBody(req);
    if (body === null) {
      res.setHeader('connection', 'close');
      return sendFailure(res, 413, 'bad-request', `${name}: request body over ${MAX_BODY} bytes`);
    }
    let input: unknown;
    try {
      input = JSON.parse(body || '{}');
    } catch (error) {
      return sendFailure(res, 400, 'bad-request', `${name}: body is not JSON: ${errorMessage(error)}`);
    }
    const result = await options.lab.dispatch(name, input);
    return sendJson(res, result.ok ? 200 : HTTP_STATUS[result.error.code], result);
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

/**
 * A bearer token, or any Casebook session cookie holding this server's token: its own port's, or
 * the one an earlier start on another port set (a restart that had to move keeps the login).
 */
function authorised(req: IncomingMessage, token: string): boolean {
  const bearer = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
  if (bearer !== undefined) return sameToken(bearer, token);
  return (req.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim().split('='))
    .some(([key, value]) => key?.startsWith(COOKIE_PREFIX) === true && value !== undefined && sameToken(value, token));
}

/** The body as text, or null when it is over MAX_BODY bytes (reading stops there). */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8` });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendFailure(res: ServerResponse, status: number, code: ErrorInfo['code'], message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}
