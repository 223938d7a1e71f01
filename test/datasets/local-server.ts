/**
 * For the download tests: a local HTTP server on 127.0.0.1 (a free port) and a temporary folder,
 * started before a test file's tests and gone after them.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from './helpers';

export interface LocalServer {
  /** `http://127.0.0.1:<port>` (once the tests run). */
  readonly base: string;
  /** The temporary folder (once the tests run). */
  readonly dir: string;
  /** A fresh, empty folder in it, so a test can check that nothing is left there. */
  cacheDir(name: string): Promise<string>;
}

export function localServer(name: string, handler: RequestListener): LocalServer {
  let server: Server;
  let cleanup: () => Promise<void>;
  let base = '';
  let dir = '';
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir(name));
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await cleanup();
  });
  return {
    get base() {
      return base;
    },
    get dir() {
      return dir;
    },
    async cacheDir(sub) {
      const path = join(dir, sub);
      await mkdir(path, { recursive: true });
      return path;
    },
  };
}
