import type { Locator } from '@playwright/test';
import { collectRuns, importThroughUi, reviewShot, smallArchive, startTinyRun, waitReady } from './app';
import { expect, test } from './fixtures';

/** True once chart.js has drawn something on the canvas (some pixel is not transparent). */
const drawn = (canvas: Locator): Promise<boolean> =>
  canvas.evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [];
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) return true;
    return false;
  });

test('compares two runs from the runs table and by URL', async ({ page, served }, testInfo) => {
  // two trainings, each evaluated and explained, one after another
  test.setTimeout(360_000);
  await page.goto(served.url);
  await waitReady(page);
  await importThroughUi(page, await smallArchive(testInfo.outputDir));
  const evaluated = await collectRuns(page, 'runEvaluated');
  // two tiny CNNs that differ in exactly their seed and learning rate
  await startTinyRun(page, 'cnn', { epochs: '2', seed: '1', learningRate: '0.001' });
  await startTinyRun(page, 'cnn', { epochs: '2', seed: '2', learningRate: '0.01' });
  // each training waits for the one before it and its evaluation and explanation: slow on a busy machine
  await expect.poll(async () => (await evaluated()).length, { timeout: 200_000 }).toBe(2);
  const [first, second] = (await evaluated()).sort((a, b) => a - b) as [number, number];

  // From the table: tick both, Compare
  await page.getByTestId('nav-runs').click();
  await expect(page).toHaveURL(/#\/runs$/);
  // newest first; a click on a heading sorts by it, and the sort goes into the URL
  const order = (): Promise<(string | null)[]> =>
    page.getByTestId('run-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run-id')));
  expect(await order()).toEqual([String(second), String(first)]);
  await page.getByTestId('sort-id').click();
  await expect(page).toHaveURL(/#\/runs\?sort=id$/);
  expect(await order()).toEqual([String(first), String(second)]);
  const compareButton = page.getByTestId('compare-open');
  await expect(compareButton).toBeDisabled();
  for (const id of [first, second]) {
    await page.locator(`[data-testid="run-row"][data-run-id="${id}"]`).getByTestId('run-pick').check();
  }
  await expect(compareButton).toBeEnabled();
  await compareButton.click();
  await expect(page).toHaveURL(new RegExp(`#/compare/${first},${second}$`));

  const compare = page.getByTestId('compare');
  const expectComparison = async (order: readonly number[]): Promise<void> => {
    await expect(compare.getByTestId('compare-run-link')).toHaveText(order.map((id) => `CNN #${id}`));
    const metrics = compare.getByTestId('compare-metrics');
    await expect(metrics.getByTestId('compare-row-accuracy').getByTestId('compare-value')).toHaveCount(2);
    // once the statistics arrive, every test-set metric of both runs carries its 95 % interval
    await expect(metrics).toHaveAttribute('data-stats', 'true');
    await expect(metrics.getByTestId('compare-row-accuracy').getByTestId('compare-ci')).toHaveCount(2);
    // the second column shows its difference to the first, with its paired interval and p-value
    const nll = metrics.getByTestId('compare-row-nll').getByTestId('compare-value').nth(1);
    await expect(nll).toContainText(/[+−]\d\.\d{3} \[[−\d.]+, [−\d.]+\]/);
    await expect(nll.getByTestId('compare-p')).toHaveText(/^p [=<] \d/);
    // two different trainings: the better NLL is starred only when the difference is beyond noise
    const significant = (await nll.getByTestId('compare-p').getAttribute('data-significant')) === 'true';
    await expect(metrics.getByTestId('compare-row-nll').locator('[data-best="true"]')).toHaveCount(significant ? 1 : 0);
    // one sentence per metric for a write-up, each with its Copy button
    await expect(compare.getByTestId('compare-sentence')).toHaveCount(7);
    await expect(compare.getByTestId('copy-sentence')).toHaveCount(7);
    // both runs' curves in one chart: 2 runs × (loss, val_loss) × 2 epochs
    const loss = compare.getByTestId('compare-chart-loss');
    await expect(loss).toHaveAttribute('data-points', '8');
    await expect.poll(() => drawn(loss)).toBe(true);
    await expect(compare.getByTestId('compare-chart-accuracy')).toHaveAttribute('data-points', '8');
    await expect.poll(() => drawn(compare.getByTestId('compare-chart-reliability'))).toBe(true);
    await expect(compare.getByTestId('compare-chart-risk-coverage')).toBeVisible();
    await expect(compare.getByTestId('compare-confusion')).toHaveCount(2);
    // the configuration diff lists exactly what differs
    const keys = compare.getByTestId('config-diff-row');
    await expect(keys).toHaveCount(2);
    expect(await keys.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))).toEqual([
      'learningRate',
      'seed',
    ]);
  };
  await expectComparison([first, second]);

  // smoothing and the log scale redraw the same runs
  await compare.getByTestId('compare-log').check();
  await compare.getByTestId('compare-smoothing').fill('0.5');
  await expect(compare.getByTestId('compare-chart-loss')).toHaveAttribute('data-points', '8');
  // every hyperparameter on demand
  await compare.getByTestId('config-show-all').check();
  await expect.poll(() => compare.getByTestId('config-diff-row').count()).toBeGreaterThan(10);
  await compare.getByTestId('config-show-all').uncheck();
  await reviewShot(page, 'compare', { tall: true });

  // Reload keeps the view
  await page.reload();
  await waitReady(page);
  await expect(page).toHaveURL(new RegExp(`#/compare/${first},${second}$`));
  await expectComparison([first, second]);

  // Back returns to the runs list, as it was sorted
  await page.goBack();
  await expect(page).toHaveURL(/#\/runs\?sort=id$/);
  expect(await order()).toEqual([String(first), String(second)]);
  await expect(page.getByTestId('run-list')).toBeVisible();
  await expect(page.getByTestId('compare')).toHaveCount(0);

  // By URL, in another order: the first run listed is the baseline
  await page.goto(new URL(`/#/compare/${second},${first}`, served.url).href);
  await waitReady(page);
  await expectComparison([second, first]);

  // a run's name is a plain link to its page
  await compare.getByTestId('compare-run-link').first().click();
  await expect(page).toHaveURL(new RegExp(`#/runs/${second}$`));
  const detail = page.getByTestId('run-detail');
  await expect(detail).toHaveAttribute('data-run-id', String(second));
  await expect(detail.getByTestId('chart-loss')).toHaveAttribute('data-points', '2');
  await reviewShot(page, 'run', { tall: true });
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`#/compare/${second},${first}$`));
  await expect(compare).toBeVisible();
});

test('every view has an address that survives a reload', async ({ page, served }, testInfo) => {
  await page.goto(served.url);
  await waitReady(page);
  // nothing to train on yet: New run… says why instead of doing nothing
  await page.getByTestId('nav-runs').click();
  await expect(page).toHaveURL(/#\/runs$/);
  await expect(page.getByTestId('runs-empty-new')).toBeDisabled();
  await expect(page.getByTestId('runs-need-dataset')).toHaveText(/Import a dataset first/);

  await page.getByTestId('nav-datasets').click();
  await expect(page).toHaveURL(/#\/$/);
  await importThroughUi(page, await smallArchive(testInfo.outputDir));
  // the import is shown at its own address
  await expect(page).toHaveURL(/#\/datasets\/\d+$/);
  const datasetId = await page.getByTestId('dataset-browser').getAttribute('data-dataset-id');
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('dataset-browser')).toHaveAttribute('data-dataset-id', datasetId!);

  // a run that does not exist says so
  await page.goto(new URL('/#/runs/999', served.url).href);
  await expect(page.getByTestId('run-missing')).toHaveText('There is no run #999.');

  // an unknown address says so; Back returns to the view before it
  await page.goto(new URL('/#/finder', served.url).href);
  await expect(page.getByTestId('finder')).toBeVisible();
  await page.goto(new URL('/#/nowhere', served.url).href);
  await expect(page.getByTestId('route-elsewhere')).toContainText('no page');
  await page.goBack();
  await expect(page.getByTestId('finder')).toBeVisible();
});
