import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { protocol } from 'electron';
import { IMAGE_PATH_PATTERN } from '../../shared/contract';
import type { Lab } from '../lab/lab';

export const SCHEME = 'casebook';
export const APP_ORIGIN = `${SCHEME}://app`;

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Must run before the app is ready. */
export function registerScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
}

/** Serves the built renderer and stored images from casebook://app/…. */
export function handleProtocol(lab: Lab, rendererDir: string): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('not found', { status: 404 });
    const image = IMAGE_PATH_PATTERN.exec(url.pathname);
    if (image) {
      const [, datasetId, split, index] = image;
      try {
        const png = await lab.imagePng(Number(datasetId), split as 'train' | 'test', Number(index));
        return new Response(new Uint8Array(png), { headers: { 'content-type': 'image/png' } });
      } catch (error) {
        return new Response((error as Error).message, { status: 404 });
      }
    }
    const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = normalize(join(rendererDir, relative));
    if (!file.startsWith(normalize(rendererDir) + sep)) return new Response('forbidden', { status: 403 });
    try {
      return new Response(new Uint8Array(await readFile(file)), {
        headers: { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
