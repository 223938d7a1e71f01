// Seeds and groups (issue 18): runs that differ only by seed are one row of the runs list that
// opens into its runs; a run's page names its group and offers "Repeat with more seeds"; New run…
// takes a number of seeds.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reviewShot, waitReady } from './app';
import { expect, serveDatabase, stopServed, test, withSources } from './fixtures';

/** bench/figure-study.ts's 3 runs (CNN, VNN, MC dropout), and two more CNNs with seeds 43 and 44. */
function groupStudy(file: string): { ids: number[]; seeds: number[] } {
  return withSources<{ ids: number[]; seeds: number[] }>(`
      const { figureStudy } = await load('bench/figure-study.ts');
      const { RunStore } = await load('src/main/lab/store/runs.ts');
      const study = figureStudy(${JSON.stringify(file.replace(/study\.db$/, ''))}, { images: 60, annotated: 0, samples: 5, epochs: 4 });
      const runs = new RunStore(study.db);
      const cnn = runs.get(study.ids[0]);
      const { EvaluationStore } = await load('src/main/lab/store/evaluations.ts');
      const evaluations = new EvaluationStore(study.db);
      const current = evaluations.current(cnn.id);
      const seeds = [43, 44].map((seed, i) => {
        const run = runs.create({ datasetId: cnn.datasetId, datasetHash: cnn.datasetHash, config: { ...cnn.config, seed } });
        runs.setStatus(run.id, 'done');
        runs.recordTest(run.id, { loss: 0.5, accuracy: 0.7 + 0.05 * i });
        // the CNN's predictions, with every fifth image (another fifth per seed) turned wrong
        const rows = evaluations.predictions(current.id).map((p) => {
          const predicted = p.index % 5 === i ? (p.label + 1) % 3 : p.predicted;
          return { ...p, predicted, entropy: 0.5, mutualInformation: null, variationRatio: null, majority: null, boxplots: null };
        });
        evaluations.add(run.id, current.metrics, rows);
        // learning curves a little above and below the CNN's
        for (const e of runs.epochs(cnn.id)) {
          const shift = (i === 0 ? 1 : -1) * 0.06 * e.epoch;
          runs.recordEpoch(
            run.id,
            { ...e, loss: e.loss + shift, valLoss: e.valLoss === null ? null : e.valLoss + shift, accuracy: e.accuracy - shift / 2, valAccuracy: e.valAccuracy === null ? null : e.valAccuracy - shift / 2 },
            { best: null, checkpoints: {} },
          );
        }
        return run.id;
      });
      console.log(JSON.stringify({ ids: study.ids, seeds }));
      study.db.close();
  `);
}

let dir: string;
let study: ReturnType<typeof groupStudy>;
let server: { url: string; child: ChildProcess };

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'casebook-e2e-groups-'));
  study = groupStudy(join(dir, 'study.db'));
  server = await serveDatabase(join(dir, 'study.db'));
});
test.afterAll(async () => {
  await stopServed(server.child);
  rmSync(dir, { recursive: true, force: true });
});

test('a seed group is one row of the runs list that opens into its runs', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const [cnn, vnn] = study.ids as [number, number];
  const [s43, s44] = study.seeds as [number, number];
  await page.goto(server.url);
  await waitReady(page);
  await page.goto(new URL('/#/runs', server.url).href);
  await waitReady(page);

  const group = page.getByTestId('run-group-row');
  await expect(group).toHaveCount(1);
  await expect(group).toHaveAttribute('data-group-id', String(cnn));
  await expect(group.getByTestId('run-group-toggle')).toHaveText(/3 seeds/);
  await expect(group).toContainText('seeds 42, 43, 44');
  await expect(group.getByTestId('run-group-status')).toHaveText('3 done');
  await expect(group.getByTestId('run-group-accuracy')).toContainText('±');
  // closed: its runs are not rows of their own; the VNN (alone) is
  await expect(page.locator(`[data-testid="run-row"][data-run-id="${s43}"]`)).toHaveCount(0);
  await expect(page.locator(`[data-testid="run-row"][data-run-id="${vnn}"]`)).toHaveCount(1);
  await reviewShot(page, 'runs-group-closed');

  await group.getByTestId('run-group-toggle').click();
  await expect(group.getByTestId('run-group-toggle')).toHaveAttribute('aria-expanded', 'true');
  await expect(page.locator(`[data-testid="run-row"][data-group="${cnn}"]`)).toHaveCount(3);
  await reviewShot(page, 'runs-group-open');

  // a run's page names its group and offers to repeat it
  await page.locator(`[data-testid="run-row"][data-run-id="${s44}"] [data-testid="run-open"]`).click();
  await expect(page.getByTestId('run-group-note')).toContainText('seed group of 3 runs (seeds 42, 43, 44)');
  await page.getByTestId('run-repeat').click();
  await expect(page.getByTestId('run-repeat-form')).toBeVisible();
  await page.getByTestId('run-repeat-seeds').fill('0');
  await page.getByTestId('run-repeat-start').click();
  await expect(page.getByTestId('run-repeat-error')).toContainText('from 1 to 50');
  await page.getByTestId('run-repeat-seeds').fill('2');
  await expect(page.getByTestId('run-repeat-start')).toHaveText('Add 2 runs');
  await reviewShot(page, 'run-repeat-form');
  await page.getByTestId('run-repeat-cancel').click();
  await expect(page.getByTestId('run-repeat-form')).toHaveCount(0);

  // New run… takes a number of seeds
  await page.getByTestId('run-new').click();
  await expect(page.getByTestId('run-field-seeds')).toHaveValue('1');
  await page.getByTestId('run-field-seeds').fill('3');
  await expect(page.getByTestId('run-start')).toHaveText('Start 3 runs');
  await reviewShot(page, 'run-form-seeds');
});

test('a seed group is ticked as one for compare, and exports its curves as its mean with a band', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const [cnn, vnn] = study.ids as [number, number];
  const [s43, s44] = study.seeds as [number, number];
  await page.goto(server.url);
  await waitReady(page);
  await page.goto(new URL('/#/runs', server.url).href);
  await waitReady(page);
  const group = page.getByTestId('run-group-row');
  const box = group.getByTestId('run-group-pick');
  const indeterminate = () => box.evaluate((el) => (el as HTMLInputElement).indeterminate);
  await expect(box).not.toBeChecked();
  await box.click();
  await expect(box).toBeChecked();
  await expect(page.getByTestId('compare-open')).toHaveText('Compare (3)');
  // opened: its runs are each ticked; unticking one leaves the group partly ticked
  await group.getByTestId('run-group-toggle').click();
  const member = (id: number) => page.locator(`[data-testid="run-row"][data-run-id="${id}"] [data-testid="run-pick"]`);
  for (const id of [cnn, s43, s44]) await expect(member(id)).toBeChecked();
  await member(s43).uncheck();
  await expect(box).toHaveAttribute('data-ticked', '2');
  await expect(box).not.toBeChecked();
  expect(await indeterminate()).toBe(true);
  await member(vnn).check();
  await reviewShot(page, 'runs-group-partly-ticked');
  // a click on a partly ticked group ticks the rest; one more unticks them all
  await box.click();
  await expect(box).toBeChecked();
  expect(await indeterminate()).toBe(false);
  await expect(page.getByTestId('compare-open')).toHaveText('Compare (4)');
  await box.click();
  await expect(box).not.toBeChecked();
  await expect(page.getByTestId('compare-open')).toHaveText('Compare (1)');
  for (const id of [cnn, s43, s44]) await expect(member(id)).not.toBeChecked();
  await expect(member(vnn)).toBeChecked();

  // its learning curves: one line per series (the mean) with its band, named so in the legend
  await group.getByTestId('run-group-curves-export').locator('summary').click();
  await expect(group.getByTestId('run-group-curves-export-title')).toHaveText(
    /Learning curves \(loss\): CNN #\d+ \(3 seeds\)/,
  );
  await expect(group.getByTestId('run-group-curves-export-caption')).toHaveValue(/min–max/);
  await reviewShot(page, 'runs-group-export');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    group.getByTestId('run-group-curves-export-svg').click(),
  ]);
  expect(download.suggestedFilename()).toBe(`curves-loss-groups-${cnn}.svg`);
  const svg = readFileSync((await download.path())!, 'utf8');
  expect(svg).toContain('(3 seeds: mean, min–max band) val_loss');
  expect(svg.match(/fill-opacity="0\.18"/g)?.length).toBe(2);
});

test('the gallery filters the images unstable across seeds, the finder lists them with a reason', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const [cnn] = study.ids as [number];
  const [s43, s44] = study.seeds as [number, number];
  await page.goto(server.url);
  await waitReady(page);
  await page.goto(new URL(`/#/gallery?runs=${cnn},${s43},${s44}`, server.url).href);
  await waitReady(page);
  const facet = page.getByTestId('gallery-outcome-unstable');
  await expect(facet).toContainText('Unstable across seeds');
  await expect(facet.getByTestId('count')).toHaveText(/^[1-9]\d*$/);
  const count = Number(await facet.getByTestId('count').textContent());
  await facet.click();
  await expect(facet).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('gallery-total')).toContainText(String(count));
  // each tile says how many of the group's seeds got it wrong (one line: the runs hold one group)
  const tile = page.getByTestId('gallery-tile').first();
  await expect(tile.getByTestId('gallery-seeds')).toHaveCount(1);
  await expect(tile.getByTestId('gallery-seeds')).toHaveText(/^wrong in [12] of 3 seeds$/);
  const wrongRuns = await tile.locator('[data-testid="gallery-run"][data-correct="false"]').count();
  await expect(tile.getByTestId('gallery-seeds')).toHaveText(`wrong in ${wrongRuns} of 3 seeds`);
  await reviewShot(page, 'gallery-unstable');
  // the case view's cards say it in each seed's header
  await tile.click();
  await expect(page.getByTestId('case-run')).toHaveCount(3);
  await expect(page.getByTestId('case-run-seeds')).toHaveCount(3);
  await expect(page.getByTestId('case-run-seeds').first()).toHaveText(`wrong in ${wrongRuns} of 3 seeds`);
  await reviewShot(page, 'case-seeds');

  await page.goto(new URL(`/#/finder?runs=${cnn},${s43},${s44}`, server.url).href);
  await waitReady(page);
  const list = page.locator('[data-testid="finder-list"][data-list="unstable"]');
  await expect(list.getByTestId('finder-total')).toHaveText(String(count));
  await expect(list.getByTestId('finder-reason').first()).toContainText(/wrong in [12] of 3 seeds of CNN #/);
  await reviewShot(page, 'finder-unstable');
});

test('the compare view draws a seed group’s learning curves as the mean with a band', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1440, height: 1000 });
  const [cnn, vnn] = study.ids as [number, number];
  const [s43, s44] = study.seeds as [number, number];
  await page.goto(server.url);
  await waitReady(page);
  await page.goto(new URL(`/#/compare/${cnn},${s43},${s44},${vnn}`, server.url).href);
  await waitReady(page);
  const toggle = page.getByTestId('compare-seed-groups');
  await expect(toggle).toBeChecked();
  // the metrics with the group as one entry: mean ± sd over its seeds, the range, the difference
  const groups = page.getByTestId('compare-groups');
  await expect(groups.getByTestId('compare-group')).toHaveCount(2);
  await expect(groups.locator('[data-testid="compare-group"]').first()).toContainText('(3 seeds)');
  await expect(
    groups
      .locator('[data-testid="compare-group-cell"][data-metric="accuracy"]')
      .first()
      .getByTestId('compare-group-mean'),
  ).toHaveText(/^\d+(\.\d)? % ± \d+(\.\d)? %$/);
  await expect(groups.getByTestId('compare-group-sentences')).toContainText('accuracy');
  await groups.scrollIntoViewIfNeeded();
  await reviewShot(page, 'compare-groups');
  const chart = page.getByTestId('compare-chart-loss');
  await chart.scrollIntoViewIfNeeded();
  await expect(chart).toBeVisible();
  await reviewShot(page, 'compare-group-band', { tall: true });
  await toggle.uncheck();
  await expect(toggle).not.toBeChecked();
  // without a group among them, no such choice
  await page.goto(new URL(`/#/compare/${cnn},${vnn}`, server.url).href);
  await waitReady(page);
  await expect(page.getByTestId('compare-chart-loss')).toBeVisible();
  await expect(page.getByTestId('compare-seed-groups')).toHaveCount(0);
});
