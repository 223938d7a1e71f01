import { mkdtempSync, rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reviewShot, waitReady } from './app';
import { expect, serveDatabase, stopServed, test, withSources } from './fixtures';

const IMAGES = 30;

/**
 * One evaluated run of 30 test images (bench/cases.ts's study) with three explanations: A and B
 * explain the predicted class with opposite background shares (A rising with the index, B
 * falling), C, the newest, explains class truck for every image. No pick: C is shown, and the
 * shares come from B (the newest of the predicted class).
 */
function study(dir: string): { runId: number; ids: { a: number; b: number; c: number } } {
  return withSources<{ runId: number; ids: { a: number; b: number; c: number } }>(`
    const { benchStudy } = await load('bench/cases.ts');
    const { ExplanationStore } = await load('src/main/lab/store/explanations.ts');
    const { EvaluationStore } = await load('src/main/lab/store/evaluations.ts');
    const { emptyExplanation } = await load('test/helpers/summaries.ts');
    const { db, ids } = benchStudy(${IMAGES}, ${JSON.stringify(dir)}, 1);
    const runId = ids[0];
    const explanations = new ExplanationStore(db);
    const evaluations = new EvaluationStore(db);
    const predictions = evaluations.predictions(evaluations.current(runId).id);
    const add = (targetClass, share, map) =>
      explanations.add(
        runId,
        emptyExplanation({ layer: 'conv', images: ${IMAGES}, mapShape: [4, 4], targetClass }),
        predictions.map((p) => ({
          index: p.index,
          label: p.label,
          predicted: p.predicted,
          probability: p.confidence,
          background: share(p.index),
          map: Float32Array.from({ length: 16 }, (_, k) => map(k)),
          std: null,
          trueMap: null,
          trueStd: null,
        })),
      );
    const edge = (k) => (k % 4 === 0 || k % 4 === 3 || k < 4 || k >= 12 ? 1 : 0);
    const a = add(null, (i) => (i + 1) / 40, edge);
    const b = add(null, (i) => (${IMAGES} - i) / 40, edge);
    const c = add(2, () => 0.1, (k) => 1 - edge(k));
    console.log(JSON.stringify({ runId, ids: { a, b, c } }));
    db.close();
  `);
}

let dir: string;
let made: ReturnType<typeof study>;
let server: { url: string; child: ChildProcess };

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'casebook-e2e-gallery-expl-'));
  made = study(dir);
  server = await serveDatabase(join(dir, 'study.db'));
});
test.afterAll(async () => {
  await stopServed(server.child);
  rmSync(dir, { recursive: true, force: true });
});

test("the gallery names the shown explanation's class and follows a pick made on the run page", async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1400, height: 900 });
  const { runId, ids } = made;
  // the served URL logs in (a cookie); then the gallery's address
  await page.goto(server.url);
  await waitReady(page);
  await page.goto(new URL(`/#/gallery?runs=${runId}&sort=background`, server.url).href);
  await waitReady(page);
  const grid = page.getByTestId('gallery-grid');
  const tiles = grid.getByTestId('gallery-tile');
  await expect(grid).toHaveAttribute('data-total', String(IMAGES));
  // C (class truck) is shown: the overlay menu says so, and true-class maps are not offered
  const menu = page.getByTestId('gallery-map');
  await expect(menu.locator('option[value="predicted"]')).toHaveText('class truck');
  await expect(menu.locator('option[value="true"]')).toBeDisabled();
  await expect(page.getByTestId('explanation-shown')).toHaveValue(String(ids.c));
  // the shares come from B: falling with the index, so image 0 leads
  await expect(tiles.first()).toHaveAttribute('data-index', '0');
  const firstSrc = await grid.getByTestId('gallery-image').first().getAttribute('src');
  await reviewShot(page, 'gallery-chosen-class');

  // elsewhere (the run page, another window): explanation A is picked
  const other = await context.newPage();
  await other.goto(new URL(`/#/runs/${runId}`, server.url).href);
  await waitReady(other);
  await other.getByTestId('explanation-shown').first().selectOption(String(ids.a));
  await expect(other.getByTestId('explanation-shown').first()).toHaveValue(String(ids.a));

  // the open gallery follows: the menu, the tiles' maps and the order by background share
  await expect(page.getByTestId('explanation-shown')).toHaveValue(String(ids.a));
  await expect(menu.locator('option[value="predicted"]')).toHaveText('predicted class');
  await expect(menu.locator('option[value="true"]')).toBeEnabled();
  await expect(tiles.first()).toHaveAttribute('data-index', String(IMAGES - 1));
  await expect(grid.getByTestId('gallery-image').first()).not.toHaveAttribute('src', firstSrc ?? '');
  await expect(grid.getByTestId('gallery-image').first()).toHaveAttribute('src', /&v=1$/);
  await reviewShot(page, 'gallery-after-pick');
  await other.close();
});
