import type { Page } from '@playwright/test';
import { importThroughUi, smallArchive, waitReady } from './app';
import { expect, test } from './fixtures';

interface RunUpdated {
  run: { id: number; status: string; error: string | null; backend: string | null; epochsDone: number };
  epoch: { epoch: number } | null;
}

/**
 * Resolves with the first `runUpdated` event the app sees whose run has ended (done, failed or
 * cancelled), so a failure shows its error instead of a timeout. Call before the action.
 */
function runEnded(page: Page): Promise<RunUpdated> {
  return page
    .evaluate(
      () =>
        new Promise<string>((resolve) => {
          const listener = (event: Event): void => {
            const detail = (event as CustomEvent<{ run: { status: string } }>).detail;
            if (!['done', 'failed', 'cancelled'].includes(detail.run.status)) return;
            window.removeEventListener('casebook:runUpdated', listener);
            resolve(JSON.stringify(detail));
          };
          window.addEventListener('casebook:runUpdated', listener);
        }),
    )
    .then((json) => JSON.parse(json) as RunUpdated);
}

interface RunEvaluated {
  runId: number;
  metrics: { accuracy: number; images: number; confusion: number[][] };
}

/** Resolves with the first `runEvaluated` event the app sees (evaluation follows training). Call before the action. */
function runEvaluated(page: Page): Promise<RunEvaluated> {
  return page
    .evaluate(
      () =>
        new Promise<string>((resolve) => {
          window.addEventListener(
            'casebook:runEvaluated',
            (event) => resolve(JSON.stringify((event as CustomEvent<unknown>).detail)),
            { once: true },
          );
        }),
    )
    .then((json) => JSON.parse(json) as RunEvaluated);
}

/** Counts the `startRun` requests the page sends (browser mode: `POST /api/startRun`). */
function countStartRequests(page: Page): { sent: number } {
  const counter = { sent: 0 };
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/startRun') counter.sent += 1;
  });
  return counter;
}

test('trains a small CNN from the Runs screen and plots its curves', async ({ page, served }, testInfo) => {
  const starts = countStartRequests(page);
  await page.goto(served.url);
  await waitReady(page);
  // 9 training images (3 deer, 2 frogs, 4 trucks), 6 test images
  await importThroughUi(page, await smallArchive(testInfo.outputDir));

  await page.getByTestId('nav-runs').click();
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  await page.getByTestId('run-new').click();
  const form = page.getByTestId('run-form');
  await expect(form).toBeVisible();
  await expect(form.getByTestId('run-dataset')).not.toHaveValue('');
  await form.getByTestId('run-model').selectOption('cnn');
  // prefilled with the CNN's defaults from modelDefaults
  await expect(form.getByTestId('run-field-epochs')).toHaveValue('50');
  await expect(form.getByTestId('run-field-batchSize')).toHaveValue('256');
  await expect(form.getByTestId('run-field-dropout')).toHaveValue('0.2');
  await expect(form.getByTestId('run-field-latent')).toHaveCount(0);

  await form.getByTestId('run-field-epochs').fill('2');
  await form.getByTestId('run-field-batchSize').fill('4');
  await form.getByTestId('run-field-trainLimit').fill('24');
  // round(9 × 0.25) = 2 images validated, 7 trained on
  await form.getByTestId('run-field-validationFraction').fill('0.25');
  const ended = runEnded(page);
  const evaluated = runEvaluated(page);
  await form.getByTestId('run-start').click();
  await expect(form).toBeHidden();

  const { run } = await ended;
  expect(run.error).toBeNull();
  expect(run.status).toBe('done');
  expect(starts.sent).toBe(1);

  const row = page.locator(`[data-testid="run-row"][data-run-id="${run.id}"]`);
  await expect(row).toHaveAttribute('data-status', 'done');
  await expect(row.getByTestId('run-status')).toHaveText('done');
  await expect(row.getByTestId('run-model-label')).toHaveText('CNN');
  await expect(row.getByTestId('run-backend')).toHaveText(/\w/);
  await expect(row.getByTestId('run-backend')).not.toHaveText('–');
  await expect(row.getByTestId('run-test-accuracy')).toHaveText(/^\d+(\.\d)? %$/);
  await expect(row.getByTestId('run-epochs')).toHaveText('2 / 2');
  await expect(row.getByTestId('run-progress')).toHaveCount(0);
  await expect(row.getByTestId('run-cancel')).toHaveCount(0);

  // The new run's detail opened at the start and grew with the epochs' events...
  const detail = page.getByTestId('run-detail');
  await expect(detail).toHaveAttribute('data-run-id', String(run.id));
  await expect(detail.getByTestId('chart-loss')).toHaveAttribute('data-points', '2');
  await expect(detail.getByTestId('chart-accuracy')).toHaveAttribute('data-points', '2');
  await expect(detail.getByTestId('run-config-batchSize')).toHaveText('4');
  // ...and reloading it from getRun (a click on the row) plots the same two epochs.
  await detail.getByTestId('run-detail-close').click();
  await expect(detail).toHaveCount(0);
  await row.click();
  await expect(detail.getByTestId('chart-loss')).toHaveAttribute('data-points', '2');
  await expect(detail.getByTestId('chart-accuracy')).toHaveAttribute('data-points', '2');
  await expect(detail.getByTestId('run-detail-backend')).toHaveText(run.backend ?? 'no backend recorded');

  // The app evaluates the finished run on its test set by itself (6 test images, 3 classes).
  const { runId, metrics } = await evaluated;
  expect(runId).toBe(run.id);
  expect(metrics.images).toBe(6);
  const evaluation = detail.getByTestId('evaluation');
  await expect(evaluation.getByTestId('evaluation-pending')).toHaveCount(0);
  const accuracy = evaluation.getByTestId('metric-accuracy');
  await expect(accuracy).toHaveText(/^\d+(\.\d)? %$/);
  const shown = Number.parseFloat((await accuracy.textContent()) ?? '');
  expect(shown).toBeGreaterThanOrEqual(0);
  expect(shown).toBeLessThanOrEqual(100);
  expect(shown).toBeCloseTo(metrics.accuracy * 100, 1);
  for (const key of ['aucHandTill', 'aucSeedStyle', 'nll', 'brier', 'ece', 'aurc']) {
    await expect(evaluation.getByTestId(`metric-${key}`)).toHaveText(/^\d+\.\d{4}$/);
  }
  const cells = evaluation.getByTestId('confusion-matrix').getByTestId('confusion-cell');
  await expect(cells).toHaveCount(9);
  const counts = (await cells.allTextContents()).map((text) => Number(text.trim()));
  expect(counts.reduce((sum, n) => sum + n, 0)).toBe(6);
  await expect(
    evaluation.locator('[data-testid="confusion-cell"][data-true="deer"][data-predicted="deer"]'),
  ).toHaveText(String(metrics.confusion[0]![0]));
  await expect(evaluation.getByTestId('chart-reliability')).toBeVisible();
  await expect(evaluation.getByTestId('chart-risk-coverage')).toBeVisible();
  await expect(evaluation.getByTestId('chart-convergence')).toHaveCount(0);
  await expect(evaluation.getByTestId('re-evaluate')).toBeEnabled();
});

test('a bad field shows its error by name and sends nothing', async ({ page, served }, testInfo) => {
  const starts = countStartRequests(page);
  await page.goto(served.url);
  await waitReady(page);
  await importThroughUi(page, await smallArchive(testInfo.outputDir));

  // opened from the dataset's browser: that dataset is chosen
  await page.getByTestId('dataset-item').click();
  const datasetId = await page.getByTestId('dataset-browser').getAttribute('data-dataset-id');
  await page.getByTestId('dataset-browser').getByTestId('run-new').click();
  const form = page.getByTestId('run-form');
  await expect(form).toBeVisible();
  await expect(form.getByTestId('run-dataset')).toHaveValue(datasetId!);
  await expect(form.getByTestId('run-field-epochs')).toHaveValue('50');

  await form.getByTestId('run-field-epochs').fill('0');
  await form.getByTestId('run-start').click();
  await expect(form.getByTestId('run-field-error-epochs')).toHaveText(/at least 1/i);
  await expect(form.getByTestId('run-field-epochs')).toHaveAttribute('aria-invalid', 'true');
  await expect(form).toBeVisible();
  // only the bad field is named
  await expect(form.locator('[data-testid^="run-field-error-"]')).toHaveCount(1);

  // switching the family refills every field with its defaults
  await form.getByTestId('run-model').selectOption('vnn');
  await expect(form.getByTestId('run-field-epochs')).toHaveValue('75');
  await expect(form.getByTestId('run-field-batchSize')).toHaveValue('100');
  await expect(form.getByTestId('run-field-latent')).toHaveValue('32');
  await expect(form.getByTestId('run-field-dropout')).toHaveCount(0);
  await expect(form.getByTestId('run-field-error-epochs')).toHaveCount(0);

  await form.getByTestId('run-form-close').click();
  await expect(form).toBeHidden();
  await page.getByTestId('nav-runs').click();
  await expect(page.getByTestId('runs-empty')).toBeVisible();
  expect(starts.sent).toBe(0);
});

test('a run that fails shows its error and offers Resume', async ({ page, served }, testInfo) => {
  await page.goto(served.url);
  await waitReady(page);
  await importThroughUi(page, await smallArchive(testInfo.outputDir));
  await page.getByTestId('nav-runs').click();
  await page.getByTestId('run-new').click();
  const form = page.getByTestId('run-form');
  await expect(form.getByTestId('run-field-epochs')).toHaveValue('50');
  await form.getByTestId('run-field-epochs').fill('1');
  // one training image: holding one out for validation leaves nothing to train on
  await form.getByTestId('run-field-trainLimit').fill('1');
  const ended = runEnded(page);
  await form.getByTestId('run-start').click();

  const { run } = await ended;
  expect(run.status).toBe('failed');
  expect(run.error).toBeTruthy();
  const row = page.locator(`[data-testid="run-row"][data-run-id="${run.id}"]`);
  await expect(row).toHaveAttribute('data-status', 'failed');
  await expect(row.getByTestId('run-error')).toHaveText(run.error!);
  await expect(row.getByTestId('run-resume')).toBeVisible();
  await expect(row.getByTestId('run-cancel')).toHaveCount(0);
  await expect(page.getByTestId('run-detail').getByTestId('run-detail-error')).toHaveText(run.error!);
});
