import { collectRuns, importThroughUi, reviewShot, smallArchive, startTinyRun, waitReady } from './app';
import { expect, test } from './fixtures';

test('the gallery: overlays, filters with counts, sorts in the URL, keyboard to a case and to tags', async ({
  page,
  served,
}, testInfo) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(served.url);
  await waitReady(page);
  await importThroughUi(page, await smallArchive(testInfo.outputDir));
  const explained = await collectRuns(page, 'runExplained');
  await startTinyRun(page, 'cnn', { seed: '1' });
  await startTinyRun(page, 'cnn', { seed: '2', learningRate: '0.01' });
  await expect.poll(async () => (await explained()).length, { timeout: 150_000 }).toBe(2);
  const [first, second] = (await explained()).sort((a, b) => a - b) as [number, number];

  // from the navigation: the chooser has both evaluated runs ticked
  await page.getByTestId('nav-gallery').click();
  await expect(page).toHaveURL(/#\/gallery$/);
  await expect(page.getByTestId('gallery-choose-run')).toHaveCount(2);
  await page.getByTestId('gallery-choose-open').click();
  await expect(page).toHaveURL(new RegExp(`#/gallery\\?runs=${first},${second}$`));

  const grid = page.getByTestId('gallery-grid');
  const tiles = grid.getByTestId('gallery-tile');
  await expect(grid).toHaveAttribute('data-total', '6');
  await expect(tiles).toHaveCount(6);
  // every tile: the overlay image loaded, the true class, one line per run
  const firstTile = tiles.first();
  await expect(firstTile.getByTestId('gallery-run')).toHaveCount(2);
  await expect(firstTile.getByTestId('gallery-true')).toHaveText(/deer|frog|truck/);
  await expect(firstTile.getByTestId('gallery-run').first()).toHaveText(/CNN #\d+\s*(deer|frog|truck)\s*\d+ %/);
  await expect
    .poll(() =>
      grid
        .getByTestId('gallery-image')
        .evaluateAll(
          (images, runId) =>
            (images as HTMLImageElement[]).every(
              (img) => img.complete && img.naturalWidth > 0 && img.src.includes(`/overlay/${runId}/test/`),
            ),
          first,
        ),
    )
    .toBe(true);
  await expect(page.getByTestId('cam-colorbar')).toBeVisible();
  // wrong predictions are red
  const wrongLine = grid.locator('[data-testid="gallery-run"][data-correct="false"] .pred').first();
  if ((await wrongLine.count()) > 0) await expect(wrongLine).toHaveCSS('color', 'rgb(198, 40, 40)');
  await reviewShot(page, 'gallery');

  // the raw image on request
  await page.getByTestId('gallery-overlay').uncheck();
  await expect(grid.getByTestId('gallery-image').first()).toHaveAttribute('src', /\/image\/\d+\/test\/\d+\.png$/);
  await page.getByTestId('gallery-overlay').check();

  // filter to wrong predictions: the sidebar's count is the number of tiles
  const wrong = page.getByTestId('gallery-outcome-wrong');
  const wrongCount = Number(await wrong.getByTestId('count').textContent());
  await wrong.click();
  await expect(page).toHaveURL(/outcome=wrong/);
  await expect(grid).toHaveAttribute('data-total', String(wrongCount));
  await expect(tiles).toHaveCount(wrongCount);
  await expect(page.getByTestId('gallery-outcome-wrong').getByTestId('count')).toHaveText(String(wrongCount));
  for (const tile of await tiles.all())
    await expect(tile.locator('[data-testid="gallery-run"][data-correct="false"]').first()).toBeVisible();
  await page.getByTestId('gallery-outcome-any').click();
  await expect(tiles).toHaveCount(6);

  // sort by entropy: in the URL, kept by a reload
  await page.getByTestId('gallery-sort').selectOption('entropy');
  await expect(page).toHaveURL(new RegExp(`#/gallery\\?runs=${first},${second}&sort=entropy$`));
  const order = (): Promise<(string | null)[]> =>
    tiles.evaluateAll((all) => all.map((tile) => tile.getAttribute('data-index')));
  await expect(tiles).toHaveCount(6);
  const sorted = await order();
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('gallery-sort')).toHaveValue('entropy');
  await expect(tiles).toHaveCount(6);
  expect(await order()).toEqual(sorted);

  // keyboard: right, down-or-not, Enter opens the focused case with the same runs and list
  await grid.focus();
  await page.keyboard.press('ArrowRight');
  const focused = grid.locator('[data-focused="true"]');
  await expect(focused).toHaveAttribute('data-position', '1');
  const index = await focused.getAttribute('data-index');

  // 1 tags the focused tile "interesting"; the sidebar's count rises
  const interesting = page.locator('[data-testid="gallery-tag-filter"][data-tag="interesting"]').getByTestId('count');
  await expect(interesting).toHaveText('0');
  await page.keyboard.press('1');
  await expect(focused.getByTestId('gallery-tag')).toHaveText(['interesting']);
  await expect(interesting).toHaveText('1');
  await reviewShot(page, 'gallery-tagged');
  // u undoes it
  await page.keyboard.press('u');
  await expect(focused.getByTestId('gallery-tag')).toHaveCount(0);
  await expect(interesting).toHaveText('0');
  await page.keyboard.press('1');
  await expect(interesting).toHaveText('1');

  await page.keyboard.press('Enter');
  const datasetId = await page.evaluate(() => location.hash.match(/#\/cases\/(\d+)\//)?.[1] ?? null);
  expect(datasetId).not.toBeNull();
  await expect(page).toHaveURL(
    new RegExp(`#/cases/${datasetId}/test/${index}\\?runs=${first},${second}&sort=entropy$`),
  );

  // Back returns to the gallery as it was; the tag is still there
  await page.goBack();
  await expect(page).toHaveURL(/#\/gallery\?runs=.*sort=entropy$/);
  await expect(grid.locator(`[data-index="${index}"]`).getByTestId('gallery-tag')).toHaveText(['interesting']);

  // a run's page and the compare view open the gallery with their runs
  await page.goto(new URL(`/#/runs/${second}`, served.url).href);
  await page.getByTestId('run-gallery').click();
  await expect(page).toHaveURL(new RegExp(`#/gallery\\?runs=${second}$`));
  await expect(tiles).toHaveCount(6);
  await page.goto(new URL(`/#/compare/${first},${second}`, served.url).href);
  await expect(page.getByTestId('compare')).toHaveAttribute('data-ready', 'true');
  await page.getByTestId('compare-gallery').click();
  await expect(page).toHaveURL(new RegExp(`#/gallery\\?runs=${first},${second}$`));
  await expect(tiles).toHaveCount(6);
});
