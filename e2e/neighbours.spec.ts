// Nearest training images (issue 20): a case shows, per run, its 8 nearest training images with
// labels and distances and a sentence; a run without features computes them on demand; a tile
// opens the training image's own view (label, neighbours, a note); the finder lists the planted
// duplicate (a truck image labelled frog) as a training image that may be mislabelled.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reviewShot, waitReady } from './app';
import { expect, serveDatabase, stopServed, test, withSources } from './fixtures';

interface Study {
  datasetId: number;
  cnn: number;
  mc: number;
  duplicates: number[];
}

/**
 * The bundled sample (real CIFAR images) with three planted duplicates at the end of the training
 * split: copies of its first three trucks, labelled frog. A CNN (3 epochs) evaluated with its
 * features; an MC-dropout run (1 epoch) evaluated without them, as a run from before features.
 */
function neighbourStudy(file: string): Study {
  return withSources<Study>(`
    const { openDatabase } = await load('src/main/lab/store/database.ts');
    const { DatasetStore } = await load('src/main/lab/store/datasets.ts');
    const { RunStore } = await load('src/main/lab/store/runs.ts');
    const { EvaluationStore } = await load('src/main/lab/store/evaluations.ts');
    const { FeatureStore } = await load('src/main/lab/store/features.ts');
    const { TrainLabelCheckStore } = await load('src/main/lab/store/train-label-checks.ts');
    const { importDataset } = await load('src/main/lab/datasets/import.ts');
    const { sampleImportRequest } = await load('src/main/lab/study.ts');
    const { trainRun } = await load('src/main/lab/training/train.ts');
    const { evaluateRun } = await load('src/main/lab/evaluation/evaluate-run.ts');
    const { computeRunFeatures } = await load('src/main/lab/features/features-run.ts');
    const scratch = openDatabase(':memory:');
    const { dataset: sample } = await importDataset(new DatasetStore(scratch), sampleImportRequest());
    const store = new DatasetStore(scratch);
    const train = store.loadSplit(sample.id, 'train');
    const test = store.loadSplit(sample.id, 'test');
    const bytes = 32 * 32 * 3;
    const trucks = [...train.labels.keys()].filter((i) => train.labels[i] === 2).slice(0, 3);
    const n = train.labels.length;
    const labels = new Uint8Array(n + trucks.length);
    labels.set(train.labels);
    const pixels = new Uint8Array((n + trucks.length) * bytes);
    pixels.set(train.pixels);
    trucks.forEach((t, j) => {
      pixels.set(train.pixels.subarray(t * bytes, (t + 1) * bytes), (n + j) * bytes);
      labels[n + j] = 1;
    });
    scratch.close();
    const db = openDatabase(${JSON.stringify(file)});
    const datasets = new DatasetStore(db);
    const runs = new RunStore(db);
    const evaluations = new EvaluationStore(db);
    const { dataset } = datasets.add({
      name: 'CIFAR-10 sample with three trucks labelled frog',
      kind: 'cifar10',
      source: 'e2e',
      sourceSha256: null,
      content: { classes: sample.classes, shape: [32, 32, 3], train: { labels, pixels }, test },
    });
    const { defaultRunConfig } = await load('src/shared/contract/index.ts');
    const create = (model, epochs) =>
      runs.create({
        datasetId: dataset.id,
        datasetHash: dataset.contentHash,
        config: { ...defaultRunConfig(model), epochs, batchSize: 64, validationSplit: 'shuffled' },
      }).id;
    const cnn = create('cnn', 3);
    const mc = create('mcdropout', 1);
    for (const id of [cnn, mc]) {
      await trainRun({ runs, datasets, runId: id });
      await evaluateRun({ runs, datasets, evaluations, runId: id, samples: 20 });
    }
    await computeRunFeatures({
      runs,
      datasets,
      features: new FeatureStore(db),
      labelChecks: new TrainLabelCheckStore(db),
      runId: cnn,
    });
    console.log(JSON.stringify({ datasetId: dataset.id, cnn, mc, duplicates: trucks.map((_, j) => n + j) }));
    db.close();
  `);
}

let dir: string;
let study: Study;
let server: { url: string; child: ChildProcess };

test.beforeAll(async () => {
  test.setTimeout(400_000);
  dir = mkdtempSync(join(tmpdir(), 'casebook-e2e-neighbours-'));
  study = neighbourStudy(join(dir, 'study.db'));
  server = await serveDatabase(join(dir, 'study.db'));
});
test.afterAll(async () => {
  await stopServed(server.child);
  rmSync(dir, { recursive: true, force: true });
});

test('a case shows each run’s nearest training images; one opens its own view with a note', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1440, height: 1100 });
  const { datasetId, cnn, mc } = study;
  // the login first (the server's URL carries it), then the deep link
  await page.goto(server.url);
  await waitReady(page);
  await page.goto(new URL(`/#/cases/${datasetId}/test/3?runs=${cnn},${mc}`, server.url).href);
  await waitReady(page);
  const view = page.getByTestId('case-view');
  await expect(view).toHaveAttribute('data-ready', 'true');
  const section = view.getByTestId('case-neighbours');
  await expect(section).toHaveAttribute('data-settled', 'true');

  // the CNN: 8 training images with labels and distances, nearest first, and a sentence
  const cnnStrip = section.locator(`[data-testid="neighbours-run"][data-run-id="${cnn}"]`);
  await expect(cnnStrip).toHaveAttribute('data-status', 'ready');
  const tiles = cnnStrip.getByTestId('neighbour');
  await expect(tiles).toHaveCount(8);
  const distances = (await cnnStrip.locator('.distance').allTextContents()).map(Number);
  expect(distances).toEqual([...distances].sort((a, b) => a - b));
  expect(await tiles.first().getAttribute('data-label')).toMatch(/^(deer|frog|truck)$/);
  await expect(cnnStrip.getByTestId('neighbours-sentence')).toHaveText(
    /^(Looks like the (deer|frogs|trucks) it was trained on|Its nearest training images are mixed)/,
  );

  // the MC-dropout run has no features yet: computed on demand, then shown
  const mcStrip = section.locator(`[data-testid="neighbours-run"][data-run-id="${mc}"]`);
  await expect(mcStrip).toHaveAttribute('data-status', 'missing');
  await reviewShot(page, 'neighbours-case-missing');
  await mcStrip.getByTestId('neighbours-compute').click();
  await expect(mcStrip).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(mcStrip.getByTestId('neighbour')).toHaveCount(8);
  await reviewShot(page, 'neighbours-case', { tall: true });

  // one click opens a training image's own view: its label, its neighbours (itself left out), a note
  const first = tiles.first();
  const index = Number(await first.getAttribute('data-index'));
  const label = await first.getAttribute('data-label');
  await first.click();
  await expect(page).toHaveURL(new RegExp(`#/cases/${datasetId}/train/${index}\\?runs=${cnn},${mc}$`));
  const training = page.getByTestId('training-view');
  await expect(training).toHaveAttribute('data-ready', 'true');
  await expect(training.getByTestId('training-label')).toHaveText(label ?? '');
  const own = training.locator(`[data-testid="neighbours-run"][data-run-id="${cnn}"]`);
  await expect(own.getByTestId('neighbour')).toHaveCount(8);
  await expect(own.locator(`[data-testid="neighbour"][data-index="${index}"]`)).toHaveCount(0);
  const tag = training.locator('[data-testid="tag-toggle"][data-tag="mislabelled?"]');
  await tag.click();
  await expect(tag).toHaveAttribute('aria-pressed', 'true');
  await training.getByTestId('note').fill('Half of it is sky; the label may still be right.');
  await training.getByTestId('note').blur();
  await expect(training.getByTestId('note-status')).toHaveText('saved');
  await page.reload();
  await waitReady(page);
  await expect(training).toHaveAttribute('data-ready', 'true');
  await expect(training.getByTestId('note')).toHaveValue('Half of it is sky; the label may still be right.');
  await expect(tag).toHaveAttribute('aria-pressed', 'true');
});

test('the finder lists the planted duplicates as training images that may be mislabelled', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 1000 });
  const { datasetId, cnn, duplicates } = study;
  await page.goto(server.url);
  await waitReady(page);
  await page.goto(new URL(`/#/finder?runs=${cnn}`, server.url).href);
  await waitReady(page);
  const list = page.getByTestId('finder-suspects');
  await expect(list.getByTestId('finder-suspect').first()).toBeVisible();
  const listed = (
    await list.getByTestId('finder-suspect').evaluateAll((els) => els.map((e) => e.getAttribute('data-index')))
  ).map(Number);
  const found = duplicates.filter((d) => listed.includes(d));
  expect(found.length, `listed ${listed.join(', ')}; the duplicates are ${duplicates.join(', ')}`).toBeGreaterThan(0);
  const entry = list.locator(`[data-testid="finder-suspect"][data-index="${found[0]}"]`);
  await expect(entry.getByTestId('finder-suspect-reason')).toHaveText(
    /^labelled frog, but [78] of its 8 nearest training images (are|carry another label).* \(the nearest at distance 0\.000\) in CNN #\d+$/,
  );
  await reviewShot(page, 'neighbours-finder', { tall: true });
  await entry.click();
  await expect(page).toHaveURL(new RegExp(`#/cases/${datasetId}/train/${found[0]}\\?runs=${cnn}$`));
  const training = page.getByTestId('training-view');
  await expect(training).toHaveAttribute('data-ready', 'true');
  await expect(training.getByTestId('training-label')).toHaveText('frog');
  await expect(training.getByTestId('neighbours-sentence')).toHaveText(/^Labelled frog, but looks like the/);
  await reviewShot(page, 'neighbours-training', { tall: true });
});
