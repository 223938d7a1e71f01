/**
 * Browser mode across restarts: a tab left open while `casebook serve` is stopped and started
 * again on the same database reconnects by itself (same port, same login) and fetches what changed
 * meanwhile, without a reload; with a renewed token it says exactly what to do.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test } from '@playwright/test';
import { expectCounts, SMALL_COUNTS, smallArchive, waitReady } from './app';
import { ROOT } from './fixtures';

const CASEBOOK = join(ROOT, 'bin', 'casebook.mjs');

interface Serving {
  url: string;
  stop: () => Promise<void>;
}

const live = new Set<Serving>();

async function serve(db: string, ...extra: string[]): Promise<Serving> {
  const child = spawn(process.execPath, [CASEBOOK, 'serve', '--db', db, '--json', ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const closed = new Promise<void>((done) => child.once('close', () => done()));
  const line = await new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout }).once('line', done);
    void closed.then(() => fail(new Error('casebook serve exited before printing its URL')));
  });
  const serving: Serving = {
    url: (JSON.parse(line) as { url: string }).url,
    stop: async () => {
      live.delete(serving);
      child.kill('SIGTERM');
      await closed;
    },
  };
  live.add(serving);
  return serving;
}

let dir = '';
test.beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'casebook-reconnect-'));
});
test.afterEach(async () => {
  await Promise.all([...live].map((serving) => serving.stop()));
  rmSync(dir, { recursive: true, force: true });
});

test('an open tab reconnects after serve restarts and loads what changed meanwhile', async ({ page }) => {
  const db = join(dir, 'study.db');
  const archive = await smallArchive(join(dir, 'archive'));
  const first = await serve(db);
  await page.goto(first.url);
  await waitReady(page);
  const connection = page.getByTestId('connection');
  await expect(connection).toHaveAttribute('data-state', 'open');
  await expect(page.getByTestId('datasets-empty')).toBeVisible();
  // a mark that a reload would wipe
  await page.evaluate(() => document.body.setAttribute('data-same-page', 'yes'));

  await first.stop();
  await expect(connection).toHaveAttribute('data-state', /reconnecting|lost/);
  await expect(connection).toBeVisible();
  // while the server is away, another process adds a dataset to the study
  const imported = spawnSync(process.execPath, [CASEBOOK, 'import', '--db', db, '--archive', archive], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(imported.status, imported.stderr).toBe(0);

  const second = await serve(db);
  expect(new URL(second.url).port).toBe(new URL(first.url).port);
  await expect(connection).toHaveAttribute('data-state', 'open');
  await expectCounts(page, SMALL_COUNTS);
  await expect(page.locator('body')).toHaveAttribute('data-same-page', 'yes');
  await expect(page.getByTestId('connection-advice')).toHaveCount(0);
});

test('a tab whose login was renewed away says to open the printed URL', async ({ page }) => {
  const db = join(dir, 'study.db');
  const first = await serve(db);
  await page.goto(first.url);
  await waitReady(page);
  await first.stop();
  await serve(db, '--new-token');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'unauthorized');
  await expect(page.getByTestId('connection-advice')).toHaveText(
    "This tab's login is from an older Casebook session: open the URL Casebook printed when it started " +
      '(`npm start` or `casebook serve`).',
  );
});
