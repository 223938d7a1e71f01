import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test as base } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..');

export interface Served {
  url: string;
  databasePath: string;
  dir: string;
}

/** Starts `casebook serve --json` on a fresh database and waits for the URL it prints. */
async function startServer(): Promise<{ served: Served; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'casebook-e2e-'));
  const databasePath = join(dir, 'study.db');
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'casebook.mjs'), 'serve', '--db', databasePath, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => done((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => fail(new Error(`casebook serve exited with code ${code} before printing its URL`)));
  });
  return { served: { url, databasePath, dir }, child };
}

export const test = base.extend<{ served: Served }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured object
  served: async ({}, use) => {
    const { served, child } = await startServer();
    await use(served);
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    rmSync(served.dir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';
export { ROOT };
