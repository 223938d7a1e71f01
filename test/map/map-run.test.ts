import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { boxPolygon } from '../../src/shared/map-region';
import { captureIo } from '../helpers/io';
import { storesOf, tempDir } from '../helpers/lab';
import { syntheticDataset } from '../helpers/synthetic';

let labs: Lab[] = [];
afterEach(() => {
  for (const lab of labs) lab.close();
  labs = [];
});

/** A lab running jobs in-process with a tiny trained, evaluated CNN run of 30 test images (no features yet). */
async function labWithRun() {
  const databasePath = join(tempDir(), 'study.db');
  const lab = new Lab({
    databasePath,
    mode: 'browser',
    version: 'test',
    launch: inProcessLauncher,
    emit: () => undefined,
    autoEvaluate: false,
  });
  labs.push(lab);
  const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 10, test: 10 }));
  const { run, job } = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 10 });
  expect((await lab.jobs.finished(job.id)).job.status).toBe('done');
  expect((await lab.jobs.finished(lab.evaluate(run.id).id)).job.status).toBe('done');
  return { lab, runId: run.id, datasetId: dataset.id, databasePath };
}

describe('the map of a run', () => {
  it('computes the features first, stores the map, and gives the same map for the same run and seed', async () => {
    const { lab, runId } = await labWithRun();
    expect(lab.runMap(runId)).toBeNull();
    const first = await lab.jobs.finished(lab.map({ id: runId }).id);
    expect(first.job).toMatchObject({ status: 'done', error: null });
    expect(storesOf(lab).features.get(runId, 'test')).not.toBeNull();
    const map = lab.runMap(runId)!;
    expect(map).toMatchObject({ runId, method: 'umap', seed: 42, count: 30, classes: ['deer', 'frog', 'truck'] });
    expect(map.x).toHaveLength(30);
    expect(map.label.slice(0, 3)).toEqual([0, 1, 2]);
    // from the current evaluation
    const predictions = storesOf(lab).evaluations.predictions(storesOf(lab).evaluations.current(runId)!.id);
    expect(map.predicted).toEqual(predictions.map((p) => p.predicted));
    // the same run and seed, computed again: the same map
    await lab.jobs.finished(lab.map({ id: runId }).id);
    const again = lab.runMap(runId)!;
    expect(again.x).toEqual(map.x);
    expect(again.y).toEqual(map.y);
    // another seed: another map, replacing it
    await lab.jobs.finished(lab.map({ id: runId, seed: 7 }).id);
    expect(lab.runMap(runId)!.seed).toBe(7);
    expect(lab.runMap(runId)!.x).not.toEqual(map.x);
  });

  it('opens the gallery on exactly the images inside a box of the map', async () => {
    const { lab, runId } = await labWithRun();
    await lab.jobs.finished(lab.map({ id: runId }).id);
    const map = lab.runMap(runId)!;
    const polygon = boxPolygon(0, 0, 0.5, 0.5);
    const inside = map.index.filter((i) => map.x[i]! <= 0.5 && map.y[i]! <= 0.5);
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.length).toBeLessThan(30);
    const page = await lab.dispatch('listCases', { runs: [runId], filter: { region: { runId, polygon } }, limit: 100 });
    if (!page.ok) throw new Error(page.error.message);
    expect(page.value.items.map((c) => c.index)).toEqual(inside);
    expect(page.value.total).toBe(inside.length);
    // a region of a run without a map: a clear error naming the field
    const other = await lab.dispatch('listCases', {
      runs: [runId],
      filter: { region: { runId: runId + 1, polygon } },
    });
    expect(other).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    if (!other.ok) expect(other.error.message).toContain('filter.region');
  });

  it('is refused for a run that has not finished, and deleted with its run', async () => {
    const { lab, runId, datasetId } = await labWithRun();
    const { run: queued } = lab.startRun({ datasetId, model: 'cnn', epochs: 1, batchSize: 10 });
    expect(() => lab.map({ id: queued.id })).toThrow(/only a finished run can be mapped/);
    await lab.jobs.finished(lab.jobs.list().find((j) => j.kind === 'train' && j.status !== 'done')!.id);
    await lab.jobs.finished(lab.map({ id: runId }).id);
    expect(storesOf(lab).maps.get(runId)).not.toBeNull();
    lab.deleteRun(runId);
    expect(storesOf(lab).maps.get(runId)).toBeNull();
  });

  it('casebook map --json prints one line per test image, the same as stored', async () => {
    const { lab, runId, databasePath } = await labWithRun();
    await lab.jobs.finished(lab.map({ id: runId }).id);
    const map = lab.runMap(runId)!;
    lab.close();
    const io = captureIo();
    expect(await runCli(['map', '--run', String(runId), '--db', databasePath, '--json'], io)).toBe(0);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; x: number; y: number });
    expect(lines).toHaveLength(30);
    expect(lines[4]).toEqual({ index: 4, x: map.x[4], y: map.y[4] });
    const bad = captureIo();
    expect(await runCli(['map', '--run', String(runId), '--db', databasePath, '--neighbours', '1'], bad)).toBe(2);
    expect(bad.err()).toContain('--neighbours');
  });
});
