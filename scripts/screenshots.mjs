#!/usr/bin/env node
/**
 * README screenshots: the gallery, a case, the finder and the compare view of a real study.
 *
 *   npm run screenshots                      # study the bundled sample in a temporary database first
 *   npm run screenshots -- --db study.db     # reuse a study (its finished, evaluated runs)
 *   npm run screenshots -- --quick           # a smoke-sized study (fast, poor models)
 *   npm run screenshots -- --out <folder>    # default docs/screenshots
 *
 * Needs a build (`npm run build`) for the pages and Chromium (/usr/bin/chromium or CASEBOOK_CHROMIUM).
 * Not a test: it asserts nothing, it only waits for each view to have drawn.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'casebook.mjs');

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'docs', 'screenshots') },
    quick: { type: 'boolean', default: false },
  },
});

function run(args) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`casebook ${args[0]} exited with ${code}`))));
  });
}

async function serve(databasePath) {
  const child = spawn(process.execPath, [CLI, 'serve', '--db', databasePath, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((done, fail) => {
    createInterface({ input: child.stdout }).once('line', (line) => done(JSON.parse(line).url));
    child.once('exit', (code) => fail(new Error(`casebook serve exited with ${code}`)));
  });
  return { url, stop: () => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))) };
}

let databasePath = values.db ? resolve(values.db) : null;
if (databasePath === null) {
  databasePath = join(mkdtempSync(join(tmpdir(), 'casebook-shots-')), 'study.db');
  console.error(`Studying the bundled sample in ${databasePath} (this trains three models)…`);
  await run(['study', '--sample', '--db', databasePath, ...(values.quick ? ['--quick'] : [])]);
}

mkdirSync(values.out, { recursive: true });
const server = await serve(databasePath);
const browser = await chromium.launch({
  executablePath: process.env.CASEBOOK_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]');
  const api = (name, input) =>
    page.evaluate(
      async ([n, i]) => {
        const response = await fetch(`/api/${n}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(i),
        });
        return response.json();
      },
      [name, input],
    );
  const runs = (await api('listRuns', {})).value.filter((r) => r.status === 'done' && r.parentId === null);
  if (runs.length === 0) throw new Error('the study has no finished runs');
  const datasetHash = runs[0].datasetHash;
  const ids = runs
    .filter((r) => r.datasetHash === datasetHash)
    .map((r) => r.id)
    .sort((a, b) => a - b)
    .slice(0, 3);
  const datasetId = runs[0].datasetId;
  const base = new URL(server.url);
  const at = (hash) => `${base.origin}${base.pathname}${base.search}${hash}`;
  const capture = async (name, hash, ready) => {
    await page.goto(at(hash));
    await page.waitForSelector('body[data-ready="true"]');
    if (typeof ready === 'string') await page.waitForSelector(ready, { timeout: 60_000 });
    else if (ready) await page.waitForFunction(ready, undefined, { timeout: 60_000 });
    await page.screenshot({ path: join(values.out, `${name}.png`) });
    console.error(`saved ${name}.png`);
  };

  // a case worth showing: the most confidently wrong one, else the most uncertain
  const found = (await api('findCases', { runs: ids, limit: 1 })).value.lists;
  const pick =
    found.find((l) => l.list === 'confidently-wrong' && l.entries.length > 0) ??
    found.find((l) => l.list === 'uncertain');
  const index = pick?.entries[0]?.index ?? 0;

  // every tile on screen with its overlay loaded (tiles ask for theirs after a moment on screen)
  /* global document */
  await capture('gallery', `#/gallery?runs=${ids.join(',')}`, () => {
    const tiles = [...document.querySelectorAll('[data-testid="gallery-tile"]')];
    const images = [...document.querySelectorAll('[data-testid="gallery-image"]')];
    return (
      tiles.length > 0 && images.length === tiles.length && images.every((img) => img.complete && img.naturalWidth > 0)
    );
  });
  await capture(
    'case',
    `#/cases/${datasetId}/test/${index}?runs=${ids.join(',')}`,
    '[data-testid="case-view"][data-ready="true"]',
  );
  await capture('finder', `#/finder?runs=${ids.join(',')}`, '[data-testid="finder-list"]');
  // the first run's embedding map (computed here if the study has none: a job of seconds)
  if ((await api('getMap', { runId: ids[0] })).value === null) {
    const { job } = (await api('mapRun', { id: ids[0] })).value;
    for (let status = job.status; status === 'queued' || status === 'running';) {
      await new Promise((wait) => setTimeout(wait, 500));
      status = (await api('listJobs', {})).value.find((j) => j.id === job.id)?.status ?? 'failed';
      if (status === 'failed' || status === 'cancelled') throw new Error(`the map of run ${ids[0]} ${status}`);
    }
  }
  await capture('map', `#/map/${ids[0]}?colour=true`, '[data-testid="map-legend"]');
  if (ids.length >= 2)
    await capture('compare', `#/compare/${ids.join(',')}`, '[data-testid="compare-metrics"][data-stats="true"]');
} finally {
  await browser.close();
  await server.stop();
}
