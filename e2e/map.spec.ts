import { mkdtempSync, rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectRuns, importThroughUi, reviewShot, smallArchive, startTinyRun, waitReady } from './app';
import { expect, serveDatabase, stopServed, test, withSources } from './fixtures';

/** bench/map.ts's study: one evaluated, explained run of 600 test images whose map the map job made (UMAP). */
function mapStudy(dir: string): { ids: number[]; datasetId: number } {
  return withSources<{ ids: number[]; datasetId: number }>(`
      const { mapStudy } = await load('bench/map.ts');
      const study = await mapStudy(${JSON.stringify(dir)}, 600);
      console.log(JSON.stringify({ ids: study.ids, datasetId: study.datasetId }));
      study.db.close();
  `);
}

let dir: string;
let study: ReturnType<typeof mapStudy>;
let server: { url: string; child: ChildProcess };

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'casebook-e2e-map-'));
  study = mapStudy(dir);
  server = await serveDatabase(join(dir, 'study.db'));
});
test.afterAll(async () => {
  await stopServed(server.child);
  rmSync(dir, { recursive: true, force: true });
});

test('the embedding map: colours, hover, a box selection that opens the gallery on exactly its images, export', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1400, height: 900 });
  const runId = study.ids[0] ?? 1;
  await page.goto(server.url);
  await waitReady(page);
  // from the run page
  await page.goto(new URL(`/#/runs/${runId}`, server.url).href);
  await waitReady(page);
  await page.getByTestId('run-map').click();
  await expect(page).toHaveURL(new RegExp(`#/map/${runId}$`));
  const canvas = page.getByTestId('map-canvas');
  await expect(canvas).toHaveAttribute('data-points', '600');
  await expect(page.getByTestId('map-made')).toContainText('UMAP of 600 test images');
  // coloured by true class: a legend entry per class with its count
  const legend = page.getByTestId('map-legend');
  await expect(legend.locator('li')).toHaveCount(3);
  await expect(legend).toContainText('deer 200');
  await reviewShot(page, 'map-true-class');

  // right / wrong, in the address
  await page.getByTestId('map-colour').selectOption('outcome');
  await expect(page).toHaveURL(new RegExp(`#/map/${runId}\\?colour=outcome$`));
  await expect(legend).toContainText('wrong');

  // hover: the image under the cursor, with its classes
  const box = (await canvas.boundingBox())!;
  const hover = page.getByTestId('map-hover');
  let found = false;
  for (let k = 0; k < 40 && !found; k++) {
    await page.mouse.move(box.x + box.width * (0.3 + 0.01 * k), box.y + box.height * (0.3 + 0.01 * k));
    found = await hover.isVisible();
  }
  expect(found).toBe(true);
  await expect(hover).toContainText(/test\/\d+/);
  await expect(hover.locator('img')).toHaveJSProperty('complete', true);
  await reviewShot(page, 'map-hover');

  // a box over the left half: its images in the gallery, exactly
  await page.getByTestId('map-tool-box').click();
  await page.mouse.move(box.x + 2, box.y + 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 8 });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 2, { steps: 8 });
  await page.mouse.up();
  const selection = page.getByTestId('map-selection');
  await expect(selection).toContainText(/of 600 images/);
  const chosen = Number(/(\d+) of 600/.exec((await selection.textContent()) ?? '')?.[1]);
  expect(chosen).toBeGreaterThan(0);
  expect(chosen).toBeLessThan(600);
  await reviewShot(page, 'map-selection');
  // the button says how many images the gallery will hold
  await expect(page.getByTestId('map-open-gallery')).toHaveText(`Open ${chosen} in gallery`);
  await page.getByTestId('map-open-gallery').click();
  await expect(page).toHaveURL(new RegExp(`#/gallery\\?runs=${runId}&region=${runId}_`));
  await expect(page.getByTestId('gallery-region')).toBeVisible();
  await expect(page.getByTestId('gallery-grid')).toHaveAttribute('data-total', String(chosen));
  // the address alone gives the same list (reload)
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('gallery-grid')).toHaveAttribute('data-total', String(chosen));
  await reviewShot(page, 'map-gallery');
  await page.getByTestId('gallery-region-clear').click();
  await expect(page.getByTestId('gallery-grid')).toHaveAttribute('data-total', '600');

  // a lasso: a polygon of many corners in the address, the same count in the gallery
  await page.goto(new URL(`/#/map/${runId}`, server.url).href);
  await waitReady(page);
  await expect(canvas).toHaveAttribute('data-points', '600');
  await page.getByTestId('map-tool-lasso').click();
  const around = (t: number): [number, number] => [
    box.x + box.width * (0.5 + 0.45 * Math.cos(t)),
    box.y + box.height * (0.5 + 0.45 * Math.sin(t)),
  ];
  await page.mouse.move(...around(0));
  await page.mouse.down();
  for (let k = 1; k <= 24; k++) await page.mouse.move(...around((Math.PI * k) / 24));
  await page.mouse.up();
  await expect(selection).toContainText(/of 600 images/);
  const lassoed = Number(/(\d+) of 600/.exec((await selection.textContent()) ?? '')?.[1]);
  expect(lassoed).toBeGreaterThan(0);
  await expect(page.getByTestId('map-open-gallery')).toHaveAttribute('data-count', String(lassoed));
  await page.getByTestId('map-open-gallery').click();
  // the run, then x and y of each corner
  const values = (/region=\d+((?:_-?[\d.]+)+)/.exec(page.url())?.[1] ?? '').split('_').length - 1;
  expect(values / 2).toBeGreaterThan(4);
  await expect(page.getByTestId('gallery-grid')).toHaveAttribute('data-total', String(lassoed));

  // the figure export draws the same map
  await page.goto(new URL(`/#/map/${runId}?colour=predicted`, server.url).href);
  await waitReady(page);
  await page.getByTestId('map-export').locator('summary').click();
  await expect(page.getByTestId('map-export-title')).toContainText('Embedding map');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('map-export-png-1').click()]);
  expect(download.suggestedFilename()).toMatch(/^map-runs-\d+.*\.png$/);
});

test('a run without a map: Compute map runs the job (features first if needed) and shows the map', async ({
  page,
  served,
}, testInfo) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(served.url);
  await waitReady(page);
  await importThroughUi(page, await smallArchive(testInfo.outputDir));
  const explained = await collectRuns(page, 'runExplained');
  await startTinyRun(page, 'cnn', { seed: '3' });
  await expect.poll(async () => (await explained()).length, { timeout: 150_000 }).toBe(1);
  const [runId] = await explained();
  await page.goto(new URL(`/#/map/${runId}`, served.url).href);
  await waitReady(page);
  await expect(page.getByTestId('map-missing')).toContainText('has no embedding map yet');
  await reviewShot(page, 'map-missing');
  await page.getByTestId('map-compute').click();
  // the 6 test images of the small archive, once the job has stored the map
  await expect(page.getByTestId('map-canvas')).toHaveAttribute('data-points', '6', { timeout: 120_000 });
  await expect(page.getByTestId('map-made')).toContainText('UMAP of 6 test images');
  await expect(page.getByTestId('map-legend').locator('li')).toHaveCount(3);
});

test('the map view fits a laptop and a small window: the legend and the selection whole, nothing cut', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const runId = study.ids[0] ?? 1;
  await page.goto(server.url);
  await waitReady(page);
  for (const [width, height] of [
    [1440, 900],
    [1024, 700],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const colour of ['background', 'true'] as const) {
      await page.goto(new URL(`/#/map/${runId}?colour=${colour}`, server.url).href);
      await waitReady(page);
      const canvas = page.getByTestId('map-canvas');
      await expect(canvas).toHaveAttribute('data-points', '600');
      const box = (await canvas.boundingBox())!;
      // the map keeps most of the window, and the page does not scroll sideways
      expect(box.width).toBeGreaterThan(width * 0.5);
      expect(box.y + box.height).toBeLessThanOrEqual(height);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      // the legend: every entry inside the side panel and the window, its text not cut
      const aside = page.getByTestId('map-view').locator('aside');
      const panel = (await aside.boundingBox())!;
      expect(panel.x + panel.width).toBeLessThanOrEqual(width);
      const entries = colour === 'true' ? page.getByTestId('map-legend').locator('li') : aside.locator('.scale-ends');
      await expect(entries.first()).toBeVisible();
      for (const entry of await entries.all()) {
        const b = (await entry.boundingBox())!;
        expect(b.x).toBeGreaterThanOrEqual(panel.x);
        expect(b.x + b.width).toBeLessThanOrEqual(panel.x + panel.width + 0.5);
        expect(b.y + b.height).toBeLessThanOrEqual(height);
        expect(await entry.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      }
    }
    // a box selection: the count and the button in view
    const canvas = page.getByTestId('map-canvas');
    const box = (await canvas.boundingBox())!;
    await page.getByTestId('map-tool-box').click();
    await page.mouse.move(box.x + 4, box.y + 4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 8 });
    await page.mouse.up();
    const open = page.getByTestId('map-open-gallery');
    await expect(open).toHaveText(/^Open \d+ in gallery$/);
    await expect(open).toBeInViewport({ ratio: 1 });
    // both buttons whole inside the side panel (it clips what reaches past it)
    const panel = (await page.getByTestId('map-view').locator('aside').boundingBox())!;
    for (const button of [open, page.getByTestId('map-clear')]) {
      const b = (await button.boundingBox())!;
      expect(b.x + b.width).toBeLessThanOrEqual(panel.x + panel.width + 0.5);
    }
    await reviewShot(page, `map-${width}x${height}`);
  }
});
