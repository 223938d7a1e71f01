import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expectCounts, importThroughUi, SMALL_COUNTS, smallArchive, waitReady } from './app';
import { expect, ROOT, test } from './fixtures';

const SHARED_ARCHIVE = resolve(ROOT, '..', 'shared', 'data', 'cifar-10-binary-deer-frog-truck.tar.gz');
if (!existsSync(SHARED_ARCHIVE))
  console.log(`The real-archive import test is skipped: no data archive at ${SHARED_ARCHIVE}.`);

test('imports a small archive through the UI and browses its classes', async ({ page, served }, testInfo) => {
  const archive = await smallArchive(testInfo.outputDir);
  await page.goto(served.url);
  await waitReady(page);
  await expect(page.getByTestId('datasets-empty')).toBeVisible();
  await importThroughUi(page, archive);
  await expectCounts(page, SMALL_COUNTS);

  await page.getByTestId('dataset-item').click();
  const trucks = page.getByTestId('class-section-truck');
  await expect(trucks.getByTestId('thumb')).toHaveCount(4);
  // thumbnails are real decoded images, not broken links
  await expect
    .poll(() =>
      trucks
        .getByTestId('thumb')
        .evaluateAll((imgs) => imgs.every((img) => (img as HTMLImageElement).naturalWidth === 32)),
    )
    .toBe(true);
});

test('reports a broken archive and keeps the form filled', async ({ page, served }, testInfo) => {
  mkdirSync(testInfo.outputDir, { recursive: true });
  const broken = join(testInfo.outputDir, 'broken.tar.gz');
  writeFileSync(broken, 'not an archive at all');
  await page.goto(served.url);
  await waitReady(page);
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-source').fill(broken);
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-error')).toContainText('broken.tar.gz');
  await expect(page.getByTestId('import-source')).toHaveValue(broken);
});

test('imports the deer/frog/truck archive: 5,000 per class to train, 1,000 to test', async ({ page, served }) => {
  test.skip(!existsSync(SHARED_ARCHIVE), `no data archive at ${SHARED_ARCHIVE}`);
  await page.goto(served.url);
  await waitReady(page);
  await importThroughUi(page, SHARED_ARCHIVE);
  await expectCounts(page, { deer: [5000, 1000], frog: [5000, 1000], truck: [5000, 1000] });
  await page.getByTestId('dataset-item').click();
  for (const name of ['deer', 'frog', 'truck']) {
    await expect(page.getByTestId(`class-section-${name}`).getByTestId('thumb').first()).toBeVisible();
  }
});
