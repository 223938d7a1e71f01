// Figures fit for a paper (issue 18), from the app's Export menus: a paper size, the class
// boxplots, the log-scale loss and the case view's overlay reach the exported file.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { reviewShot, waitReady } from './app';
import { expect, serveDatabase, stopServed, test, withSources } from './fixtures';

/** bench/figure-study.ts's study (3 evaluated runs with epochs, explanations and annotations), written to a file. */
function figureStudy(file: string): { ids: number[]; annotated: number[]; datasetId: number } {
  return withSources<{ ids: number[]; annotated: number[]; datasetId: number }>(`
      const { figureStudy } = await load('bench/figure-study.ts');
      const study = figureStudy(${JSON.stringify(file.replace(/study\.db$/, ''))}, { images: 60, annotated: 2, samples: 20, epochs: 8 });
      console.log(JSON.stringify({ ids: study.ids, annotated: study.annotated, datasetId: study.datasetId }));
      study.db.close();
  `);
}

async function exported(page: Page, button: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return { name: download.suggestedFilename(), bytes: readFileSync((await download.path())!) };
}

let dir: string;
let study: ReturnType<typeof figureStudy>;
let server: { url: string; child: ChildProcess };

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'casebook-e2e-figures-'));
  study = figureStudy(join(dir, 'study.db'));
  server = await serveDatabase(join(dir, 'study.db'));
});
test.afterAll(async () => {
  await stopServed(server.child);
  rmSync(dir, { recursive: true, force: true });
});

test('the Export menus: a paper size, the class boxplots, the log-scale loss, the case view’s overlay', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 1000 });
  const [cnn, vnn, mc] = study.ids as [number, number, number];
  // the printed URL carries the access token (the login)
  await page.goto(server.url);
  await waitReady(page);

  // the run page's per-class boxplots export, here at one column's width
  await page.goto(new URL(`/#/runs/${vnn}`, server.url).href);
  await waitReady(page);
  const menu = page.getByTestId('chart-class-boxplots-export');
  await menu.scrollIntoViewIfNeeded();
  await menu.locator('summary').click();
  await expect(page.getByTestId('chart-class-boxplots-export-title')).toContainText('per true class');
  await page.getByTestId('chart-class-boxplots-export-size').selectOption('column');
  await expect(page.getByTestId('chart-class-boxplots-export-png-dpi')).toBeVisible();
  await reviewShot(page, 'export-menu-size');
  const pdf = await exported(page, page.getByTestId('chart-class-boxplots-export-pdf'));
  expect(pdf.name).toBe(`class-boxplots-runs-${vnn}-column.pdf`);
  expect(pdf.bytes.toString('latin1')).toMatch(/\/MediaBox \[0 0 234 [\d.]+\]/);
  await expect(menu.getByRole('status')).toContainText('one column (3.25 in');

  // the compare view's log-scale loss is the exported axis
  await page.goto(new URL(`/#/compare/${cnn},${vnn},${mc}`, server.url).href);
  await waitReady(page);
  await page.getByTestId('compare-log').check();
  await page.getByTestId('compare-chart-loss-export').locator('summary').click();
  const svg = await exported(page, page.getByTestId('compare-chart-loss-export-svg'));
  expect(svg.bytes.toString('utf8')).toContain('>loss (log scale)</text>');

  // the case view's overlay (opacity, colormap) is the exported panel's
  const image = study.annotated[0] ?? 0;
  await page.goto(new URL(`/#/cases/${study.datasetId}/test/${image}?runs=${vnn},${mc}`, server.url).href);
  await waitReady(page);
  const view = page.getByTestId('case-view');
  await expect(view).toHaveAttribute('data-ready', 'true');
  await view.getByTestId('case-colormap').selectOption('inferno');
  await view.getByTestId('case-opacity').fill('0.8');
  await view.getByTestId('case-panel-export').locator('summary').click();
  // the case panel has one layout: no size to choose
  await expect(view.getByTestId('case-panel-export-size')).toHaveCount(0);
  const panel = await exported(page, view.getByTestId('case-panel-export-svg'));
  const text = panel.bytes.toString('utf8');
  expect(text).toContain('Grad-CAM (inferno,');
  expect(text).toContain('blended at 80 %)');
});
