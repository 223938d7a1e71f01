import { mkdirSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import { cifarEntries, records, writeArchive } from '../test/datasets/helpers';

/** Waits until the app has loaded its first data (it sets body[data-ready]). */
export async function waitReady(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
}

/** A small archive: 3 deer, 2 frogs, 4 trucks (and an airplane, not imported) to train; 2 of each to test. */
export const SMALL_COUNTS = { deer: [3, 2], frog: [2, 2], truck: [4, 2] } as const;
export async function smallArchive(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  return writeArchive(
    dir,
    'small.tar.gz',
    cifarEntries({
      train: [records([4, 6, 9, 9, 0], 0), records([4, 4, 6, 9, 9], 10)],
      test: records([4, 6, 9, 4, 6, 9], 20),
    }),
  );
}

/** Imports through the dialog (default classes) and waits for the app's jobFinished event. */
export async function importThroughUi(page: Page, source: string): Promise<void> {
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-source').fill(source);
  for (const name of ['deer', 'frog', 'truck']) await expect(page.getByTestId(`import-class-${name}`)).toBeChecked();
  const finished = page.evaluate(
    () =>
      new Promise<string>((done) =>
        window.addEventListener('casebook:jobFinished', (e) => done(JSON.stringify((e as CustomEvent).detail)), {
          once: true,
        }),
      ),
  );
  await page.getByTestId('import-start').click();
  const detail = JSON.parse(await finished) as { job: { status: string; error: string | null } };
  expect(detail.job.error).toBeNull();
  expect(detail.job.status).toBe('done');
  await expect(page.getByTestId('import-result')).toBeVisible();
  await page.getByTestId('import-close').click();
}

/** Checks the dataset list shows these train/test counts per class. */
export async function expectCounts(page: Page, counts: Record<string, readonly [number, number]>): Promise<void> {
  const item = page.getByTestId('dataset-item');
  await expect(item).toHaveCount(1);
  for (const [name, [train, test]] of Object.entries(counts)) {
    await expect(item.getByTestId(`count-train-${name}`)).toHaveText(String(train));
    await expect(item.getByTestId(`count-test-${name}`)).toHaveText(String(test));
  }
}

/**
 * Opens the new-run form from the Runs screen, asks for a tiny run of `model` (one epoch, batch 4,
 * a quarter of the training images validated, plus `fields`) and starts it.
 */
export async function startTinyRun(page: Page, model: string, fields: Record<string, string> = {}): Promise<void> {
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('run-new').click();
  const form = page.getByTestId('run-form');
  await form.getByTestId('run-model').selectOption(model);
  for (const [key, value] of Object.entries({ epochs: '1', batchSize: '4', validationFraction: '0.25', ...fields }))
    await form.getByTestId(`run-field-${key}`).fill(value);
  await form.getByTestId('run-start').click();
  await expect(form).toBeHidden();
}

/** Resolves with the next event of this name the app emits. Call before the action that causes it. */
export function nextEvent<T>(page: Page, name: 'runEvaluated' | 'runExplained'): Promise<T> {
  return page
    .evaluate(
      (eventName) =>
        new Promise<string>((resolve) => {
          window.addEventListener(
            `casebook:${eventName}`,
            (event) => resolve(JSON.stringify((event as CustomEvent<unknown>).detail)),
            { once: true },
          );
        }),
      name,
    )
    .then((json) => JSON.parse(json) as T);
}

/** Collects the ids of the runs the app hears of in this event, from now on; returns a reader. */
export async function collectRuns(
  page: Page,
  name: 'runEvaluated' | 'runExplained' | 'runBackgroundTested',
): Promise<() => Promise<number[]>> {
  await page.evaluate((eventName) => {
    const seen: number[] = [];
    (window as unknown as Record<string, number[]>)[`seen:${eventName}`] = seen;
    window.addEventListener(`casebook:${eventName}`, (event) =>
      seen.push((event as CustomEvent<{ runId: number }>).detail.runId),
    );
  }, name);
  return () =>
    page.evaluate(
      (eventName) => [...((window as unknown as Record<string, number[]>)[`seen:${eventName}`] ?? [])],
      name,
    );
}

/**
 * Saves a screenshot for review when CASEBOOK_SHOTS names a folder (never committed). The views
 * scroll inside the window, so `tall` makes the window tall enough to show all of one.
 */
export async function reviewShot(page: Page, name: string, { tall = false } = {}): Promise<void> {
  const folder = process.env['CASEBOOK_SHOTS'];
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  const size = page.viewportSize();
  if (tall) await page.setViewportSize({ width: 1400, height: 2400 });
  await page.screenshot({ path: `${folder}/${name}.png`, fullPage: true });
  if (tall && size) await page.setViewportSize(size);
}
