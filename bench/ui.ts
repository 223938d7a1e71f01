// UI benchmark: the built app in browser mode over a study database of 3 runs × `images` test
// images with explanations (bench/cases.ts's benchStudy), driven in Chromium by Playwright.
//   gallery: first tiles painted after navigating to it (target ≤ 1 s), the median frame rate while
//     scrolling it top to bottom with overlays on (≥ 50 frames/s), the page's JS heap after (≤ 300 MB);
//   compare: the compare view of the 3 runs until it is loaded and drawn;
//   case view: one case across the 3 runs until it says it is ready (null where this tree has none).
// Needs the app built (`npx electron-vite build`: out/main/cli.js and out/renderer). Prints
// `{"gallery": true, …}`, `{"compare": true, …}`, `{"caseView": true, …}`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Page } from '@playwright/test';
import { benchStudy } from './cases';

const ROOT = resolve(import.meta.dirname, '..');

// used inside page.evaluate (the page's globals; this file is typed for Node)
declare const requestAnimationFrame: (callback: (now: number) => void) => number;
declare const location: { hash: string };
declare const document: {
  querySelector(selector: string): { scrollTop: number; clientHeight: number; scrollHeight: number } | null;
  querySelectorAll(selector: string): Iterable<{ complete: boolean; naturalWidth: number }>;
};

export type UiBenchLine =
  | { gallery: true; runs: number; images: number; firstPaintMs: number; scrollFps: number; heapMB: number }
  | { compare: true; runs: number; ms: number }
  | { caseView: true; ms: number | null; reason?: string };

export async function startServer(databasePath: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'casebook.mjs'), 'serve', '--db', databasePath, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((done, fail) => {
    if (!child.stdout) return fail(new Error('casebook serve: no stdout'));
    createInterface({ input: child.stdout }).once('line', (line) => done((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => fail(new Error(`casebook serve exited with code ${code} before printing its URL`)));
  });
  return { url, child };
}

/**
 * Sets the hash in the page and resolves with the ms until `ready` (run in the page, as a function:
 * the app's CSP refuses strings evaluated as code) holds in a frame; null on time-out.
 */
export async function timeNavigation(
  page: Page,
  hash: string,
  ready: () => boolean,
  timeoutMs = 30_000,
): Promise<number | null> {
  const start = await page.evaluate((hash) => {
    const now = performance.now();
    location.hash = hash;
    return now;
  }, hash);
  try {
    await page.waitForFunction(ready, undefined, { polling: 'raf', timeout: timeoutMs });
  } catch {
    return null;
  }
  return Math.round((await page.evaluate(() => performance.now())) - start);
}

/** Scrolls the gallery's grid from top to bottom, `step` px a frame; the median frames per second. */
function scrollFps(page: Page, step: number): Promise<number> {
  return page.evaluate(
    (step) =>
      new Promise<number>((done) => {
        const grid = document.querySelector('[data-testid="gallery-grid"]');
        if (!grid) throw new Error('no gallery grid');
        const gaps: number[] = [];
        let last = performance.now();
        grid.scrollTop = 0;
        const frame = (now: number): void => {
          gaps.push(now - last);
          last = now;
          if (grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 1) {
            gaps.sort((a, b) => a - b);
            done(Math.round((1000 / (gaps[Math.floor(gaps.length / 2)] ?? 1000)) * 10) / 10);
            return;
          }
          grid.scrollTop += step;
          requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
      }),
    step,
  );
}

export async function benchUi(options: { images?: number; report: (line: UiBenchLine) => void }): Promise<void> {
  const images = options.images ?? 3000;
  for (const built of ['out/main/cli.js', 'out/renderer/index.html'])
    if (!existsSync(join(ROOT, built)))
      throw new Error(`the ui benchmark runs the built app: ${built} is missing; run "npx electron-vite build" first`);
  const dir = mkdtempSync(join(tmpdir(), 'casebook-bench-ui-'));
  const study = benchStudy(images, dir);
  const { ids, datasetId } = study;
  study.db.close();
  const { url, child } = await startServer(join(dir, 'study.db'));
  const browser = await chromium.launch({
    executablePath: process.env.CASEBOOK_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    const runs = ids.join(',');

    // the gallery: the first screen of tiles with their overlays loaded
    const firstPaintMs = await timeNavigation(page, `#/gallery?runs=${runs}`, () => {
      const imgs = [...document.querySelectorAll('[data-testid="gallery-image"]')].slice(0, 12);
      return imgs.length === 12 && imgs.every((img) => img.complete && img.naturalWidth > 0);
    });
    const fps = await scrollFps(page, 240);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
    options.report({
      gallery: true,
      runs: ids.length,
      images,
      firstPaintMs: firstPaintMs ?? -1,
      scrollFps: fps,
      heapMB: Math.round(heap / 1e5) / 10,
    });

    // the compare view, loaded and drawn (two frames after data-ready)
    const compareMs = await timeNavigation(
      page,
      `#/compare/${runs}`,
      () => document.querySelector('[data-testid="compare"][data-ready="true"] canvas') !== null,
    );
    options.report({ compare: true, runs: ids.length, ms: compareMs ?? -1 });

    // the case view, if this tree has one that says when it is ready
    const caseMs = await timeNavigation(
      page,
      `#/cases/${datasetId}/test/17?runs=${runs}`,
      () => document.querySelector('[data-testid="case-view"][data-ready="true"]') !== null,
      10_000,
    );
    options.report(
      caseMs === null
        ? {
            caseView: true,
            ms: null,
            reason: 'no [data-testid="case-view"][data-ready="true"] within 10 s in this build',
          }
        : { caseView: true, ms: caseMs },
    );
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    rmSync(dir, { recursive: true, force: true });
  }
}
