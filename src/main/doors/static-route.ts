/**
 * The GET side shared by both doors: `/image/<dataset>/<split>/<index>.png` and
 * `/overlay/<run>/test/<index>.png?map=…` (the image with the run's Grad-CAM map blended in) from
 * the lab, and every other path from the built renderer folder. It maps a method and a path to a status,
 * headers and a body; the HTTP server and the casebook:// protocol only carry that out (and add
 * `securityHeaders()`). Never imports electron.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { IMAGE_PATH_PATTERN, type Split } from '../../shared/contract';
import { LabError } from '../lab/errors';
import { parseOverlayParams } from '../lab/images/overlay';
import type { Lab } from '../lab/lab';
import { HTTP_STATUS } from './status';

export interface StaticSite {
  lab: Lab;
  /** The built renderer (out/renderer). */
  rendererDir: string;
}

export interface RouteResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** `/overlay/<runId>/test/<index>.png`: only test images have explanations. */
export const OVERLAY_PATH_PATTERN = /^\/?overlay\/([1-9]\d{0,14})\/test\/(0|[1-9]\d{0,8})\.png$/;

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

/**
 * Answers a GET (or HEAD) of `pathname` (as it appears in the URL, percent-encoded). Lab errors
 * become their status (an image that does not exist: 404); anything else thrown is a bug and is
 * left to the door, which answers 500.
 */
export async function routeStatic(
  site: StaticSite,
  method: string,
  pathname: string,
  /** The URL's query (`?map=…`), read by the overlay route only. */
  search = '',
): Promise<RouteResponse> {
  if (method !== 'GET' && method !== 'HEAD') {
    return {
      status: 405,
      headers: textHeaders({ allow: 'GET, HEAD' }),
      body: `method ${method} not allowed on ${pathname}`,
    };
  }
  const path = decodePath(pathname);
  if (path === null) return text(400, `malformed path ${pathname}: bad percent-encoding or a NUL byte`);
  const image = IMAGE_PATH_PATTERN.exec(path);
  if (image) return pngResponse(() => site.lab.imagePng(Number(image[1]), image[2] as Split, Number(image[3])));
  const overlay = OVERLAY_PATH_PATTERN.exec(path);
  if (overlay) {
    const [runId, index] = [Number(overlay[1]), Number(overlay[2])];
    return pngResponse(() => site.lab.overlayPng(runId, index, parseOverlayParams(new URLSearchParams(search))));
  }
  if (path.startsWith('/overlay/'))
    return text(404, `not found: ${path} (overlays are at /overlay/<run>/test/<index>.png)`);
  return fileResponse(site.rendererDir, path);
}

/**
 * A PNG the lab makes, or the lab's error with its status. An overlay changes with a new
 * explanation at the same URL: the gallery adds a version parameter, so caching is safe.
 */
async function pngResponse(make: () => Promise<Buffer>): Promise<RouteResponse> {
  try {
    const png = await make();
    return {
      status: 200,
      headers: { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' },
      body: png,
    };
  } catch (error) {
    if (error instanceof LabError) return text(HTTP_STATUS[error.code], error.message);
    throw error;
  }
}

async function fileResponse(rendererDir: string, path: string): Promise<RouteResponse> {
  const root = resolve(rendererDir);
  const relative = path === '/' ? 'index.html' : path.replace(/^\/+/, '');
  const file = join(root, relative);
  if (!file.startsWith(root + sep)) return text(403, `forbidden: ${path} is outside the app`);
  try {
    if (!(await stat(file)).isFile()) return text(404, `not found: ${path}`);
  } catch {
    return text(404, `not found: ${path}`);
  }
  return {
    status: 200,
    headers: { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' },
    body: await readFile(file),
  };
}

/** The decoded path, or null when its percent-encoding is malformed or it holds a NUL byte. */
function decodePath(pathname: string): string | null {
  try {
    const path = decodeURIComponent(pathname);
    return path.includes('\0') ? null : path;
  } catch {
    return null;
  }
}

function textHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra };
}

export function text(status: number, body: string): RouteResponse {
  return { status, headers: textHeaders(), body };
}
