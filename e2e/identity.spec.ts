import { readFile } from 'node:fs/promises';
import { collectRuns, importThroughUi, reviewShot, smallArchive, startTinyRun, waitReady } from './app';
import { expect, test } from './fixtures';

const NAME = 'CNN, lr 3e-4 ✓';
const COLOUR = '#cc79a7';

test('a run keeps its name and colour in the runs list, gallery, case view, compare and an exported SVG; deleted from its page', async ({
  page,
  served,
}, testInfo) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(served.url);
  await waitReady(page);
  await importThroughUi(page, await smallArchive(testInfo.outputDir));
  const datasetId = Number(/datasets\/(\d+)/.exec(page.url())?.[1]);
  const explained = await collectRuns(page, 'runExplained');
  await startTinyRun(page, 'cnn', { seed: '1' });
  await startTinyRun(page, 'cnn', { seed: '2', learningRate: '0.01' });
  await expect.poll(async () => (await explained()).length, { timeout: 200_000 }).toBe(2);
  const [first, second] = (await explained()).sort((a, b) => a - b) as [number, number];

  // the runs list: each run's default name and its colour, the palette in turn
  await page.getByTestId('nav-runs').click();
  const row = (id: number) => page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);
  await expect(row(first).getByTestId('run-name-cell')).toHaveText(`CNN #${first}`);
  await expect(row(first).getByTestId('run-colour')).toHaveAttribute('data-colour', '#0072b2');
  await expect(row(second).getByTestId('run-colour')).toHaveAttribute('data-colour', '#d55e00');

  // renamed on its page: an empty name is refused, naming the problem; then a real one
  await row(first).getByTestId('run-open').click();
  const detail = page.getByTestId('run-detail');
  await detail.getByTestId('run-rename').click();
  await detail.getByTestId('run-rename-input').fill('   ');
  await detail.getByTestId('run-rename-save').click();
  await expect(detail.getByTestId('run-rename-error')).toContainText('name: a run name cannot be empty');
  await detail.getByTestId('run-rename-input').fill(NAME);
  await detail.getByTestId('run-rename-input').press('Enter');
  await expect(detail.getByTestId('run-name')).toHaveText(NAME);
  // its colour from the palette
  await detail.getByTestId('run-colour').click();
  await detail.locator(`[data-testid="run-colour-choice"][data-colour="${COLOUR}"]`).click();
  await expect(detail.getByTestId('run-colour')).toHaveAttribute('data-colour', COLOUR);
  // the list shows both at once
  await expect(row(first).getByTestId('run-name-cell')).toHaveText(NAME);
  await expect(row(first).getByTestId('run-colour')).toHaveAttribute('data-colour', COLOUR);
  await reviewShot(page, 'identity-runs');

  // the gallery: the run's line on a tile, and the sidebar
  await page.goto(new URL(`/#/gallery?runs=${second},${first}`, served.url).href);
  await waitReady(page);
  const line = page.locator(`[data-testid="gallery-run"][data-run-id="${first}"]`).first();
  await expect(line).toContainText(NAME);
  await expect(line.getByTestId('run-swatch')).toHaveAttribute('data-colour', COLOUR);
  const pick = page.locator(`[data-testid="gallery-run-pick"][data-run-id="${first}"]`).locator('..');
  await expect(pick).toContainText(NAME);
  await expect(pick.getByTestId('run-swatch')).toHaveAttribute('data-colour', COLOUR);
  await reviewShot(page, 'identity-gallery');

  // the case view: the run's card
  await page.goto(new URL(`/#/cases/${datasetId}/test/0?runs=${second},${first}`, served.url).href);
  await waitReady(page);
  const card = page.locator(`[data-testid="case-run"][data-run-id="${first}"]`);
  await expect(card.getByTestId('case-run-name')).toHaveText(NAME);
  await expect(card.getByTestId('run-swatch')).toHaveAttribute('data-colour', COLOUR);
  await reviewShot(page, 'identity-case');

  // compare, the run second in the URL: its name and colour, not its place's
  await page.goto(new URL(`/#/compare/${second},${first}`, served.url).href);
  await waitReady(page);
  const compare = page.getByTestId('compare');
  await expect(compare).toHaveAttribute('data-ready', 'true');
  const legend = compare.getByTestId('compare-runs').locator(`li[data-run-id="${first}"]`);
  await expect(legend.getByTestId('compare-run-link')).toHaveText(NAME);
  await expect(legend.getByTestId('run-swatch')).toHaveAttribute('data-colour', COLOUR);
  const header = compare.getByTestId('compare-metrics').locator(`th[data-run-id="${first}"]`);
  await expect(header).toContainText(NAME);
  await expect(header.getByTestId('run-swatch')).toHaveAttribute('data-colour', COLOUR);
  await expect(compare.locator(`[data-testid="compare-confusion"][data-run-id="${first}"] figcaption`)).toHaveText(
    NAME,
  );
  await reviewShot(page, 'identity-compare', { tall: true });

  // the exported learning curves: the legend holds the name, the run's lines its colour
  await compare.getByTestId('compare-chart-loss-export').locator('summary').click();
  const [svg] = await Promise.all([
    page.waitForEvent('download'),
    compare.getByTestId('compare-chart-loss-export-svg').click(),
  ]);
  const text = await readFile((await svg.path())!, 'utf8');
  expect(text).toContain(`>${NAME} loss</text>`);
  expect(text).toContain(`>CNN #${second} loss</text>`);
  expect(text).toContain(`stroke="${COLOUR}"`);
  expect(text).toContain('stroke="#d55e00"');
  expect(text).not.toContain('stroke="#0072b2"');

  // deleted from its page, after a confirmation naming it; the list updates
  await page.goto(new URL(`/#/runs/${second}`, served.url).href);
  await waitReady(page);
  await page.getByTestId('run-delete').click();
  const confirm = page.getByTestId('run-delete-confirm');
  await expect(confirm).toContainText(`Delete “CNN #${second}” (run #${second})?`);
  await expect(confirm).toContainText('Notes and tags of images stay');
  await page.getByTestId('run-delete-keep').click();
  await expect(confirm).toHaveCount(0);
  await expect(row(second)).toHaveCount(1);
  await page.getByTestId('run-delete').click();
  await page.getByTestId('run-delete-confirm-button').click();
  await expect(page).toHaveURL(/#\/runs$/);
  await expect(row(second)).toHaveCount(0);
  await expect(row(first)).toHaveCount(1);
  await expect(page.getByTestId('run-detail')).toHaveCount(0);
});
