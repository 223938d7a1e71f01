import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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

/** `casebook serve --json` on a database, once it has printed its URL (the login). */
export async function serveDatabase(databasePath: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'casebook.mjs'), 'serve', '--db', databasePath, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => done((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => fail(new Error(`casebook serve exited with code ${code} before printing its URL`)));
  });
  return { url, child };
}

/** Stops a `serveDatabase` server and waits until it has exited. */
export async function stopServed(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((done) => child.once('exit', done));
}

/**
 * Runs `body` (ES module code with `load`, Vite's loader of the TypeScript sources, in scope) in a
 * Node process of its own and returns the JSON it printed last: how the specs build a study.
 */
export function withSources<T>(body: string): T {
  const code = `
    import { withRunner } from ${JSON.stringify(join(ROOT, 'scripts', 'ts-runner.mjs'))};
    await withRunner(async (load) => {
      ${body}
    });`;
  const made = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  return JSON.parse(made.stdout.trim().split('\n').pop() ?? '{}') as T;
}

/** Starts `casebook serve --json` on a fresh database and waits for the URL it prints. */
async function startServer(): Promise<{ served: Served; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'casebook-e2e-'));
  const databasePath = join(dir, 'study.db');
  const { url, child } = await serveDatabase(databasePath);
  return { served: { url, databasePath, dir }, child };
}

export const test = base.extend<{ served: Served }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured object
  served: async ({}, use) => {
    const { served, child } = await startServer();
    await use(served);
    await stopServed(child);
    rmSync(served.dir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';
export { ROOT };
