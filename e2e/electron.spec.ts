import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication } from '@playwright/test';
import { electronBinary } from '../scripts/electron-binary.mjs';
import { expectCounts, importThroughUi, nextEvent, SMALL_COUNTS, smallArchive, startTinyRun, waitReady } from './app';
import { expect, ROOT, test } from './fixtures';

const CASEBOOK = join(ROOT, 'bin', 'casebook.mjs');

/**
 * Where the desktop app can start: the Electron binary, and better-sqlite3's build for Electron
 * (got as `npm start` gets it, by `casebook setup-electron`: once, from the internet). Else why not.
 */
function desktop(): { path: string } | { reason: string } {
  const binary = electronBinary();
  if (!('path' in binary)) return binary;
  const setup = spawnSync(process.execPath, [CASEBOOK, 'setup-electron', '--json'], { cwd: ROOT, encoding: 'utf8' });
  const answer = JSON.parse(setup.stdout.trim().split('\n').at(-1) ?? '{}') as { ok?: boolean; reason?: string };
  return answer.ok
    ? binary
    : { reason: `better-sqlite3 for Electron could not be had: ${answer.reason ?? setup.stderr}` };
}

const binary = desktop();
if (!('path' in binary)) console.log(`Electron end-to-end tests skipped: ${binary.reason}.`);

/** The app on a database (default: a fresh one in a temporary folder). */
function launch(
  databasePath = join(mkdtempSync(join(tmpdir(), 'casebook-electron-')), 'study.db'),
): Promise<ElectronApplication> {
  return electron.launch({
    executablePath: 'path' in binary ? binary.path : '',
    args: [ROOT, '--db', databasePath, ...(process.env.CI ? ['--no-sandbox'] : [])],
  });
}

// eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured object
test('the desktop window opens on its database with Electron’s better-sqlite3, and the run it trains reads back in Node and in the next start', async ({}, testInfo) => {
  test.skip(!('path' in binary), `no desktop app here: ${'reason' in binary ? binary.reason : ''}`);
  const databasePath = join(mkdtempSync(join(tmpdir(), 'casebook-electron-')), 'study.db');
  const first = await launch(databasePath);
  try {
    const page = await first.firstWindow();
    await waitReady(page);
    await importThroughUi(page, await smallArchive(testInfo.outputDir));
    const explained = nextEvent<{ runId: number }>(page, 'runExplained');
    await startTinyRun(page, 'cnn');
    await explained;
  } finally {
    await first.close();
  }
  // the same file through Node's build (the CLI)
  const listed = spawnSync(process.execPath, [CASEBOOK, 'runs', '--json', '--db', databasePath], { encoding: 'utf8' });
  expect(listed.status).toBe(0);
  const runs = listed.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { model: string; status: string; epochsDone: number });
  expect(runs).toEqual([expect.objectContaining({ model: 'cnn', status: 'done', epochsDone: 1 })]);
  // and the desktop app again, every time after
  const second = await launch(databasePath);
  try {
    const page = await second.firstWindow();
    await waitReady(page);
    await page.getByTestId('nav-runs').click();
    await expect(page.getByTestId('run-row')).toHaveCount(1);
  } finally {
    await second.close();
  }
});

// eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured object
test('the desktop app trains in its utility process and draws Grad-CAM overlays of casebook:// images', async ({}, testInfo) => {
  test.skip(!('path' in binary), `no desktop app here: ${'reason' in binary ? binary.reason : ''}`);
  const app = await launch();
  try {
    const page = await app.firstWindow();
    await waitReady(page);
    await importThroughUi(page, await smallArchive(testInfo.outputDir));
    const explained = nextEvent<{ summary: { images: number } }>(page, 'runExplained');
    await startTinyRun(page, 'cnn');
    expect((await explained).summary.images).toBe(6);
    const canvas = page.getByTestId('cam-item').first().getByTestId('cam-canvas');
    await expect.poll(() => canvas.evaluate((c: HTMLCanvasElement) => c.width)).toBe(32);
    // the image was drawn: the canvas is not tainted and not blank
    const opaque = await canvas.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')?.getImageData(0, 0, 32, 32).data ?? [];
      return Array.from(data).filter((v, i) => i % 4 === 3 && v > 0).length;
    });
    expect(opaque).toBe(32 * 32);
  } finally {
    await app.close();
  }
});

// eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured object
test('the desktop app imports an archive over IPC and shows its classes', async ({}, testInfo) => {
  test.skip(!('path' in binary), `no desktop app here: ${'reason' in binary ? binary.reason : ''}`);
  const app = await launch();
  try {
    const page = await app.firstWindow();
    await waitReady(page);
    await expect(page).toHaveTitle(/Casebook/);
    expect(await page.evaluate(() => typeof (window as unknown as { casebook?: unknown }).casebook)).toBe('object');
    // the renderer cannot reach Node
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    await importThroughUi(page, await smallArchive(testInfo.outputDir));
    await expectCounts(page, SMALL_COUNTS);
    await page.getByTestId('dataset-item').click();
    await expect(page.getByTestId('class-section-deer').getByTestId('thumb')).toHaveCount(3);
  } finally {
    await app.close();
  }
});
