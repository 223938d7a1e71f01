import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { cifarEntries, records, writeArchive } from '../test/datasets/helpers';
import { expect, ROOT, test } from './fixtures';

const SHARED_ARCHIVE = resolve(ROOT, '..', 'shared', 'data', 'cifar-10-binary-deer-frog-truck.tar.gz');

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
}

/** Imports through the dialog and waits for the app's jobFinished event. */
async function importThroughUi(page: Page, source: string): Promise<void> {
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-source').fill(source);
  for (const name of ['deer', 'frog', 'truck']) await expect(page.getByTestId(`import-class-${name}`)).toBeChecked();
  const finished = page.evaluate(
    () => new Promise<string>((done) => window.addEventListener('casebook:jobFinished', (e) => done(JSON.stringify((e as CustomEvent).detail)), { once: true })),
  );
  await page.getByTestId('import-start').click();
  const detail = JSON.parse(await finished) as { job: { status: string; error: string | null } };
  expect(detail.job.error).toBeNull();
  expect(detail.job.status).toBe('done');
  await expect(page.getByTestId('import-result')).toBeVisible();
}

test('imports a small archive through the UI and browses its classes', async ({ page, served }, testInfo) => {
  mkdirSync(testInfo.outputDir, { recursive: true });
  // 3 deer, 2 frogs, 4 trucks (and an airplane, not imported) in train; 2 of each in test
  const archive = await writeArchive(
    testInfo.outputDir,
    'small.tar.gz',
    cifarEntries({ train: [records([4, 6, 9, 9, 0], 0), records([4, 4, 6, 9, 9], 10)], test: records([4, 6, 9, 4, 6, 9], 20) }),
  );
  await open(page, served.url);
  await expect(page.getByTestId('datasets-empty')).toBeVisible();
  await importThroughUi(page, archive);
  await page.getByTestId('import-close').click();

  const item = page.getByTestId('dataset-item');
  await expect(item).toHaveCount(1);
  for (const [name, train, testCount] of [['deer', 3, 2], ['frog', 2, 2], ['truck', 4, 2]] as const) {
    await expect(item.getByTestId(`count-train-${name}`)).toHaveText(String(train));
    await expect(item.getByTestId(`count-test-${name}`)).toHaveText(String(testCount));
  }
  await item.click();
  const trucks = page.getByTestId('class-section-truck');
  await expect(trucks.getByTestId('thumb')).toHaveCount(4);
  // thumbnails are real decoded images, not broken links
  await expect
    .poll(() => trucks.getByTestId('thumb').evaluateAll((imgs) => imgs.every((img) => (img as HTMLImageElement).naturalWidth === 32)))
    .toBe(true);
});

test('reports a broken archive and keeps the form filled', async ({ page, served }, testInfo) => {
  const broken = join(testInfo.outputDir, 'broken.tar.gz');
  mkdirSync(testInfo.outputDir, { recursive: true });
  writeFileSync(broken, 'not an archive at all');
  await open(page, served.url);
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-source').fill(broken);
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-error')).toContainText('broken.tar.gz');
  await expect(page.getByTestId('import-source')).toHaveValue(broken);
});

test('imports the deer/frog/truck archive: 5,000 per class to train, 1,000 to test', async ({ page, served }) => {
  test.skip(!existsSync(SHARED_ARCHIVE), `no data archive at ${SHARED_ARCHIVE}`);
  await open(page, served.url);
  await importThroughUi(page, SHARED_ARCHIVE);
  await page.getByTestId('import-close').click();
  const item = page.getByTestId('dataset-item');
  for (const name of ['deer', 'frog', 'truck']) {
    await expect(item.getByTestId(`count-train-${name}`)).toHaveText('5000');
    await expect(item.getByTestId(`count-test-${name}`)).toHaveText('1000');
  }
  await item.click();
  for (const name of ['deer', 'frog', 'truck']) {
    await expect(page.getByTestId(`class-section-${name}`).getByTestId('thumb').first()).toBeVisible();
  }
});
