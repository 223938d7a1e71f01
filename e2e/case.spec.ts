import { readFile } from 'node:fs/promises';
import type { Locator } from '@playwright/test';
import { collectRuns, importThroughUi, reviewShot, smallArchive, startTinyRun, waitReady } from './app';
import { expect, test } from './fixtures';

/** True once something is drawn on the canvas (some pixel is not transparent). */
const drawn = (canvas: Locator): Promise<boolean> =>
  canvas.evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [];
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) return true;
    return false;
  });

test('a case across a stochastic run and a CNN: overlays, boxplots, annotation, previous/next, the finder', async ({
  page,
  served,
}, testInfo) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto(served.url);
  await waitReady(page);
  await importThroughUi(page, await smallArchive(testInfo.outputDir));
  await expect(page).toHaveURL(/#\/datasets\/\d+$/);
  const datasetId = Number(/datasets\/(\d+)/.exec(page.url())?.[1]);
  const explained = await collectRuns(page, 'runExplained');
  const tested = await collectRuns(page, 'runBackgroundTested');
  await startTinyRun(page, 'mcdropout');
  await startTinyRun(page, 'cnn');
  await expect.poll(async () => (await explained()).length, { timeout: 200_000 }).toBe(2);
  // each run's background test follows its explanation
  await expect.poll(async () => (await tested()).length, { timeout: 200_000 }).toBe(2);
  const [mc, cnn] = (await explained()).sort((a, b) => a - b) as [number, number];

  // a deep link to a case
  const caseUrl = (index: number) => new URL(`/#/cases/${datasetId}/test/${index}?runs=${mc},${cnn}`, served.url).href;
  await page.goto(caseUrl(0));
  await waitReady(page);
  const view = page.getByTestId('case-view');
  await expect(view).toHaveAttribute('data-ready', 'true');
  await expect(view.getByTestId('case-run')).toHaveCount(2);
  await expect(view.getByTestId('case-image')).toBeVisible();
  // overlays drawn: every map canvas has pixels
  const tiles = view.getByTestId('cam-canvas');
  expect(await tiles.count()).toBeGreaterThanOrEqual(2);
  for (const tile of await tiles.all()) expect(await drawn(tile)).toBe(true);
  // the seed's figure for the stochastic run only: three boxes, drawn
  const mcCard = view.locator(`[data-testid="case-run"][data-run-id="${mc}"]`);
  const box = mcCard.getByTestId('case-boxplot');
  await expect(box).toHaveAttribute('data-points', '3');
  expect(await drawn(box)).toBe(true);
  await expect(
    view.locator(`[data-testid="case-run"][data-run-id="${cnn}"]`).getByTestId('case-deterministic'),
  ).toBeVisible();
  await expect(view.getByTestId('case-verdict')).toHaveCount(2);
  await expect(view.getByTestId('case-position')).toHaveText('1 of 6');
  // each run's background test: the predicted class's probability unchanged and with the 4 fills
  await expect(view.getByTestId('case-background')).toHaveCount(2);
  await expect(mcCard.getByTestId('case-background').locator('tbody tr')).toHaveCount(5);
  await reviewShot(page, 'case');

  // tag it and write a note: saved after a pause and on blur
  const interesting = view.locator('[data-testid="tag-toggle"][data-tag="interesting"]');
  await interesting.click();
  await expect(interesting).toHaveAttribute('aria-pressed', 'true');
  const note = view.getByTestId('note');
  // an empty note nobody touched claims nothing
  await expect(view.getByTestId('note-status')).toHaveText('');
  await note.fill('A deer recognised by the woods behind it.');
  await note.blur();
  await expect(view.getByTestId('note-status')).toHaveText('saved');
  await reviewShot(page, 'case-annotated');

  // a reload finds both
  await page.reload();
  await waitReady(page);
  await expect(view).toHaveAttribute('data-ready', 'true');
  await expect(interesting).toHaveAttribute('aria-pressed', 'true');
  await expect(note).toHaveValue('A deer recognised by the woods behind it.');

  // the case panel exports as a figure, its caption carrying the note
  await view.getByTestId('case-panel-export').locator('summary').click();
  await expect(view.getByTestId('case-panel-export-caption')).toHaveValue(/woods behind it/);
  const [svg] = await Promise.all([page.waitForEvent('download'), view.getByTestId('case-panel-export-svg').click()]);
  expect(svg.suggestedFilename()).toMatch(/\.svg$/);
  const text = await readFile((await svg.path())!, 'utf8');
  expect(text).toContain('<svg');
  expect(text).toContain('woods behind it');
  await view.getByTestId('case-panel-export').locator('summary').click();

  // undo takes back the last change (the note), then the one before (the tag)
  await view.getByTestId('annotation-undo').click();
  await expect(note).toHaveValue('');
  await expect(interesting).toHaveAttribute('aria-pressed', 'true');
  await view.getByTestId('annotation-undo').click();
  await expect(interesting).toHaveAttribute('aria-pressed', 'false');

  // next and previous within the list (same runs), by button and by keyboard
  await view.getByTestId('case-next').click();
  await expect(page).toHaveURL(new RegExp(`#/cases/${datasetId}/test/1\\?runs=${mc},${cnn}$`));
  await expect(view.getByTestId('case-position')).toHaveText('2 of 6');
  await expect(view).toHaveAttribute('data-ready', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(/\/test\/2\?/);
  await page.keyboard.press('k');
  await expect(page).toHaveURL(/\/test\/1\?/);
  await view.getByTestId('case-prev').click();
  await expect(page).toHaveURL(/\/test\/0\?/);
  await expect(view.getByTestId('case-prev')).toBeDisabled();
  // Esc: back to the gallery of the same runs
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(new RegExp(`#/gallery\\?runs=${mc},${cnn}$`));

  // an image that is not there says so
  await page.goto(caseUrl(99));
  await expect(page.getByTestId('case-error')).toContainText('not there');

  // a link naming a run that is not there (deleted, or never made): the case with the others, and a note
  await page.goto(new URL(`/#/cases/${datasetId}/test/1?runs=${mc},${cnn},9999`, served.url).href);
  await waitReady(page);
  await expect(view).toHaveAttribute('data-ready', 'true');
  await expect(view.getByTestId('case-missing-runs')).toContainText('Run #9999 named in this link no longer exists');
  await expect(view.getByTestId('case-run')).toHaveCount(2);
  await expect(view.getByTestId('case-position')).toHaveText('2 of 6');
  await reviewShot(page, 'case-missing-run');

  // the gallery sorted by mutual information: every tile shows its value; the outcome facet counts
  // without itself ("Wrong" chosen, "All" still 6)
  await page.goto(new URL(`/#/gallery?runs=${mc},${cnn}&outcome=wrong&sort=mi`, served.url).href);
  await waitReady(page);
  const galleryTiles = page.getByTestId('gallery-tile');
  await expect(galleryTiles.first()).toBeVisible();
  await expect(page.getByTestId('gallery-sort-value')).toHaveCount(await galleryTiles.count());
  await expect(page.getByTestId('gallery-sort-value').first()).toContainText(/MI \d/);
  await expect(page.getByTestId('gallery-outcome-any').getByTestId('count')).toHaveText('6');
  const right = Number(await page.getByTestId('gallery-outcome-right').getByTestId('count').textContent());
  const wrong = Number(await page.getByTestId('gallery-outcome-wrong').getByTestId('count').textContent());
  expect(right + wrong).toBe(6);
  await reviewShot(page, 'gallery-sorted-mi');
  // sorted by the background test's dependence: every tile says its value
  await page.getByTestId('gallery-sort').selectOption('dependence');
  await expect(page).toHaveURL(/sort=dependence/);
  await expect(page.getByTestId('gallery-sort-value').first()).toContainText(/bg\. dep\. \d/);
  await reviewShot(page, 'gallery-sorted-dependence');

  // the top bar's Gallery and Finder open on the runs last looked at
  await expect(page.getByTestId('nav-gallery')).toHaveAttribute('href', `#/gallery?runs=${mc},${cnn}`);
  await page.getByTestId('nav-finder').click();
  await expect(page).toHaveURL(new RegExp(`#/finder\\?runs=${mc},${cnn}$`));
  // the finder: seven lists with reasons (the background's decisions: the runs have background
  // tests); a click opens the case, which walks that list
  const finder = page.getByTestId('finder');
  await expect(finder.getByTestId('finder-list')).toHaveCount(7);
  await expect(finder.locator('[data-testid="finder-list"][data-list="background-decided"]')).toContainText(
    'Decided by the background',
  );
  const uncertain = finder.locator('[data-testid="finder-list"][data-list="uncertain"]');
  await expect(uncertain.getByTestId('finder-total')).toHaveText('6');
  await expect(uncertain.getByTestId('finder-reason').first()).toContainText('entropy');
  await expect(finder.getByTestId('finder-threshold-confidence')).toHaveValue('0.9');
  await reviewShot(page, 'finder');
  const order = await uncertain
    .getByTestId('finder-entry')
    .evaluateAll((links) => links.map((link) => Number(link.getAttribute('data-index'))));
  expect(order).toHaveLength(6);
  await uncertain.getByTestId('finder-entry').first().click();
  const inFinder = (i: number) =>
    new RegExp(`#/cases/${datasetId}/test/${order[i]}\\?runs=${mc},${cnn}&finder=uncertain$`);
  await expect(page).toHaveURL(inFinder(0));
  await expect(view).toHaveAttribute('data-ready', 'true');
  await expect(view.getByTestId('case-reason').first()).toBeVisible();
  await expect(view.getByTestId('case-position')).toHaveText('1 of 6');
  await expect(view.getByTestId('case-back')).toHaveText('← Finder');
  await reviewShot(page, 'case-from-finder');
  await view.getByTestId('case-next').click();
  await expect(page).toHaveURL(inFinder(1));
  await expect(view.getByTestId('case-position')).toHaveText('2 of 6');
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(inFinder(2));
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(new RegExp(`#/finder\\?runs=${mc},${cnn}$`));
  await expect(finder.getByTestId('finder-list')).toHaveCount(7);

  // Report…: the runs last looked at, chosen cases, HTML then a Markdown zip, each downloaded
  await page.getByTestId('report-open').click();
  const dialog = page.getByTestId('report-dialog');
  await expect(dialog.locator(`[data-testid="report-run"][data-run-id="${mc}"]`)).toBeChecked();
  await expect(dialog.locator(`[data-testid="report-run"][data-run-id="${cnn}"]`)).toBeChecked();
  await expect(dialog.getByTestId('report-cases-annotated')).toBeChecked();
  await dialog.getByTestId('report-cases-text').fill('0, 5');
  await expect(dialog.getByTestId('report-cases-list')).toBeChecked();
  await reviewShot(page, 'report-dialog');
  const [html] = await Promise.all([page.waitForEvent('download'), dialog.getByTestId('report-make').click()]);
  expect(html.suggestedFilename()).toBe(`casebook-report-runs-${mc}-${cnn}.html`);
  const report = await readFile((await html.path())!, 'utf8');
  expect(report).toMatch(/^<!doctype html>/);
  expect(report).toContain('test image 0: true');
  expect(report).toContain('test image 5: true');
  await expect(dialog.getByTestId('report-done')).toContainText('2 cases');
  await dialog.getByTestId('report-format-md').check();
  const [zip] = await Promise.all([page.waitForEvent('download'), dialog.getByTestId('report-make').click()]);
  expect(zip.suggestedFilename()).toBe(`casebook-report-runs-${mc}-${cnn}.zip`);
  const bytes = await readFile((await zip.path())!);
  expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  await expect(dialog.getByTestId('report-done')).toContainText('.zip');
  await reviewShot(page, 'report-made');
  await dialog.getByTestId('report-close').click();
  await expect(dialog).not.toBeVisible();

  // the stochastic run's page: per true class, each class's probability
  await page.goto(new URL(`/#/runs/${mc}`, served.url).href);
  await waitReady(page);
  const boxes = page.getByTestId('chart-class-boxplots');
  await expect(boxes).toHaveAttribute('data-points', '9');
  await expect.poll(() => drawn(boxes)).toBe(true);
  await expect(page.getByTestId('class-boxplots-source')).toHaveAttribute('data-source', 'samples');
  await expect(page.getByTestId('run-finder')).toHaveAttribute('href', `#/finder?runs=${mc}`);
  await page.getByTestId('class-boxplots').scrollIntoViewIfNeeded();
  await reviewShot(page, 'run-class-boxplots');
  // the run's background test and ROAD beside the deletion check
  const summary = page.getByTestId('background-summary');
  await expect(summary).toBeVisible();
  await expect(page.getByTestId('background-flips')).toContainText(/\d+ of 6/);
  await expect(page.getByTestId('background-top').locator('li')).toHaveCount(6);
  await expect(page.getByTestId('road-most')).toHaveCount(3);
  await expect(page.getByTestId('road-score')).toHaveText(/^-?\d\.\d{3}$/);
  await page.getByTestId('background').scrollIntoViewIfNeeded();
  await reviewShot(page, 'run-background', { tall: true });
});
