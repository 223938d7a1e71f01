import type { Page } from '@playwright/test';
import { importThroughUi, nextEvent, smallArchive, startTinyRun, waitReady } from './app';
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

interface RunExplained {
  runId: number;
  summary: { images: number; layer: string; samples: number; deletionDrop: number };
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
  const evaluated = nextEvent<RunEvaluated>(page, 'runEvaluated');
  const explained = nextEvent<RunExplained>(page, 'runExplained');
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
  // a readable label ("WebAssembly (SIMD) · 2 training threads"); main's own words are its title
  await expect(detail.getByTestId('run-detail-backend')).toHaveAttribute('title', run.backend ?? 'no backend recorded');
  await expect(detail.getByTestId('run-detail-backend')).toHaveText(
    /^(WebAssembly|TensorFlow|JavaScript)\b.* · \d training threads?$/,
  );
  await expect(detail.getByTestId('run-detail-train-time')).toHaveText(/^\d+(\.\d)? s$|min/);

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
  // with its 95 % bootstrap interval over the test images, which holds the value
  const ci = evaluation.getByTestId('metric-ci-accuracy');
  await expect(ci).toHaveText(/^95 % CI \d+(\.\d)? % – \d+(\.\d)? %$/);
  const [lo = Number.NaN, hi = Number.NaN] = ((await ci.textContent()) ?? '')
    .slice('95 % CI '.length)
    .split(' – ')
    .map((part) => Number.parseFloat(part));
  expect(lo).toBeLessThanOrEqual(shown);
  expect(hi).toBeGreaterThanOrEqual(shown);
  await expect(evaluation.getByTestId('metric-ci-brier')).toHaveText(/^95 % CI \d+\.\d{4} – \d+\.\d{4}$/);
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

  // ...and explains it: a Grad-CAM overlay per test image, the deletion check beside it
  const { summary } = await explained;
  expect(summary).toMatchObject({ images: 6, layer: 'Conv_last', samples: 1 });
  const explanation = detail.getByTestId('explanation');
  await expect(explanation.getByTestId('deletion-check').locator('tbody tr')).toHaveCount(3);
  const tiles = explanation.getByTestId('cam-item');
  await expect(tiles).toHaveCount(6);
  const canvas = tiles.first().getByTestId('cam-canvas');
  // drawn once the image has loaded: 32 × 32 pixels
  await expect.poll(() => canvas.evaluate((c: HTMLCanvasElement) => c.width)).toBe(32);
  // the image was drawn: the canvas is not tainted (toDataURL would throw) and every pixel is opaque
  const opaque = await canvas.evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext('2d')?.getImageData(0, 0, 32, 32).data ?? [];
    return Array.from(data).filter((v, i) => i % 4 === 3 && v > 0).length;
  });
  expect(opaque).toBe(32 * 32);
  // every tile's pixels, once every tile is drawn: a barely trained CNN may give one image an all-zero
  // map, which the alpha ramp leaves invisible in every colormap, so one tile alone cannot tell
  const canvases = tiles.getByTestId('cam-canvas');
  await expect
    .poll(() => canvases.evaluateAll((all: HTMLCanvasElement[]) => all.filter((c) => c.width === 32).length))
    .toBe(6);
  const pixels = (): Promise<string> =>
    canvases.evaluateAll((all: HTMLCanvasElement[]) => all.map((c) => c.toDataURL()).join(' '));
  const viridis = await pixels();
  await explanation.getByTestId('cam-colormap').selectOption('gray');
  await expect.poll(pixels).not.toBe(viridis);
  await explanation.getByTestId('cam-opacity').fill('0');
  const bare = await pixels();
  await explanation.getByTestId('cam-colormap').selectOption('inferno');
  // at opacity 0 the colormap does not show: the image alone
  await expect.poll(pixels).toBe(bare);
  await explanation.getByTestId('cam-order').selectOption('background');
  await expect(tiles).toHaveCount(6);
});

test('trains a deep ensemble as member runs and evaluates it with a sample per member', async ({
  page,
  served,
}, testInfo) => {
  await page.goto(served.url);
  await waitReady(page);
  await importThroughUi(page, await smallArchive(testInfo.outputDir));
  const evaluated = nextEvent<RunEvaluated & { metrics: { samples: number } }>(page, 'runEvaluated');
  await startTinyRun(page, 'ensemble', { members: '2' });

  const { runId, metrics } = await evaluated;
  expect(metrics.samples).toBe(2);
  const detail = page.getByTestId('run-detail');
  await expect(detail).toHaveAttribute('data-run-id', String(runId));
  const members = detail.getByTestId('ensemble-member');
  await expect(members).toHaveCount(2);
  await expect(members.locator('td:nth-child(2)')).toHaveText(['42', '43']);
  await expect(detail.getByTestId('run-detail-epochs')).toHaveText('2 of 2');
  const ensembleRow = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
  await expect(ensembleRow.getByTestId('run-model-label')).toHaveText('Deep ensemble');
  await expect(ensembleRow.getByTestId('run-epochs')).toHaveText('2 / 2 members');
  await expect(page.getByTestId('run-model-label').filter({ hasText: `member of #${runId}` })).toHaveCount(2);
  // a member opens from the table: a CNN run with its own curves
  await members.first().getByRole('link').click();
  await expect(page).toHaveURL(/#\/runs\/\d+$/);
  await expect(detail.getByTestId('chart-loss')).toHaveAttribute('data-points', '1');
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
