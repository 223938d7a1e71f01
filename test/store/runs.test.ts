import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { RunStore, type Checkpoint } from '../../src/main/lab/store/runs';
import { syntheticDataset } from '../helpers/synthetic';

function setup() {
  const db = openDatabase(':memory:');
  const { dataset } = new DatasetStore(db).add(syntheticDataset());
  const runs = new RunStore(db);
  const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config: defaultRunConfig('cnn') });
  return { db, runs, run };
}

const checkpoint = (epoch: number): Checkpoint => ({
  epoch,
  topology: { layers: ['a'] },
  weightSpecs: [{ name: 'w', shape: [2], dtype: 'float32' }],
  weights: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
  trainingConfig: null,
  state: { epoch },
});

describe('RunStore', () => {
  it('creates queued runs with their full config', () => {
    const { runs, run } = setup();
    expect(run).toMatchObject({ status: 'queued', model: 'cnn', epochsDone: 0, backend: null });
    expect(run.config).toEqual(defaultRunConfig('cnn'));
    expect(runs.list().map((r) => r.id)).toEqual([run.id]);
  });

  it('names each new run and gives it the next colour of the palette, an ensemble its members too', () => {
    const { db, runs, run } = setup();
    const input = { datasetId: run.datasetId, datasetHash: run.datasetHash };
    const vnn = runs.create({ ...input, config: defaultRunConfig('vnn') });
    const ensemble = runs.createEnsemble({ ...input, config: { ...defaultRunConfig('ensemble'), members: 2 } });
    const [m1, m2] = runs.members(ensemble.id);
    expect([run, vnn, ensemble, m1, m2].map((r) => [r?.name, r?.colour])).toEqual([
      [`CNN #${run.id}`, '#0072b2'],
      [`VNN #${vnn.id}`, '#d55e00'],
      [`Deep ensemble #${ensemble.id}`, '#009e73'],
      [`CNN #${m1?.id} (member 1 of #${ensemble.id})`, '#cc79a7'],
      [`CNN #${m2?.id} (member 2 of #${ensemble.id})`, '#e69f00'],
    ]);
    // members do not take a turn: the next top-level run follows the ensemble
    const next = runs.create({ ...input, config: defaultRunConfig('mcdropout') });
    expect([next.name, next.colour]).toEqual([`MC dropout #${next.id}`, '#cc79a7']);
    // a colour is pinned: deleting an earlier run or renaming changes no other run's colour
    runs.setStatus(vnn.id, 'done');
    runs.delete(vnn.id);
    expect(runs.get(next.id).colour).toBe('#cc79a7');
    expect(runs.rename(next.id, 'MC, τ 0.5')).toMatchObject({ name: 'MC, τ 0.5', colour: '#cc79a7' });
    // after a colour of the user's own, the turn goes on by count
    runs.setColour(next.id, '#123456');
    const after = runs.create({ ...input, config: defaultRunConfig('cnn') });
    expect(after.colour).toBe('#e69f00');
    expect(runs.get(next.id).colour).toBe('#123456');
    // the database itself refuses a colour that is not #rrggbb
    expect(() => db.prepare("UPDATE runs SET colour = 'red' WHERE id = ?").run(run.id)).toThrow(/CHECK/);
    expect(() => runs.rename(999, 'x')).toThrow(/no run with id 999/);
  });

  it('records epochs with their checkpoints and keeps the totals', () => {
    const { runs, run } = setup();
    runs.markStarted(run.id, { backend: 'wasm', params: 10 });
    const e1 = { epoch: 1, loss: 1, accuracy: 0.5, valLoss: 0.9, valAccuracy: 0.6, seconds: 2, imagesPerSecond: 100 };
    runs.recordEpoch(run.id, e1, {
      best: { epoch: 1, valLoss: 0.9 },
      checkpoints: { best: checkpoint(1), last: checkpoint(1) },
    });
    const e2 = { ...e1, epoch: 2, valLoss: 1.2, seconds: 6, imagesPerSecond: 300 };
    const after = runs.recordEpoch(run.id, e2, { best: null, checkpoints: { last: checkpoint(2) } });
    expect(after).toMatchObject({ epochsDone: 2, bestEpoch: 1, bestValLoss: 0.9, trainSeconds: 8 });
    // images/s over the whole run: (200 + 1800) images / 8 s
    expect(after.imagesPerSecond).toBeCloseTo(250);
    expect(runs.epochs(run.id)).toEqual([e1, e2]);
    expect(runs.checkpoint(run.id, 'best')?.epoch).toBe(1);
    const last = runs.checkpoint(run.id, 'last');
    expect(last?.epoch).toBe(2);
    expect(Array.from(last?.weights ?? [])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(last?.state).toEqual({ epoch: 2 });
  });

  it('an epoch and its checkpoints are written together or not at all', () => {
    const { runs, run, db } = setup();
    db.exec("CREATE TRIGGER no_checkpoints BEFORE INSERT ON checkpoints BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const e1 = { epoch: 1, loss: 1, accuracy: 0.5, valLoss: 0.9, valAccuracy: 0.6, seconds: 2, imagesPerSecond: 100 };
    expect(() => runs.recordEpoch(run.id, e1, { best: null, checkpoints: { last: checkpoint(1) } })).toThrow(
      'disk full',
    );
    expect(runs.epochs(run.id)).toEqual([]);
    expect(runs.get(run.id).epochsDone).toBe(0);
  });

  it('marks runs left running by an earlier session as interrupted', () => {
    const { runs, run } = setup();
    runs.markStarted(run.id, { backend: 'wasm', params: 1 });
    expect(runs.markInterrupted()).toBe(1);
    expect(runs.get(run.id)).toMatchObject({ status: 'interrupted', error: expect.stringContaining('stopped') });
    expect(runs.markInterrupted()).toBe(0);
  });

  it('sets finished_at only for final states', () => {
    const { runs, run } = setup();
    expect(runs.markStarted(run.id, { backend: 'cpu', params: 1 }).finishedAt).toBeNull();
    expect(runs.setStatus(run.id, 'failed', 'boom')).toMatchObject({
      status: 'failed',
      error: 'boom',
      finishedAt: expect.any(String),
    });
    expect(() => runs.get(999)).toThrow('no run with id 999');
  });

  it('gives runs that differ only by seed a group, in get, list and groupRuns alike', () => {
    const { runs, run } = setup();
    const input = { datasetId: run.datasetId, datasetHash: run.datasetHash };
    const other = runs.create({ ...input, config: { ...defaultRunConfig('cnn'), seed: 7 } });
    const lr = runs.create({ ...input, config: { ...defaultRunConfig('cnn'), seed: 8, learningRate: 3e-4 } });
    const ensemble = runs.createEnsemble({ ...input, config: { ...defaultRunConfig('ensemble'), members: 2 } });
    const [m1] = runs.members(ensemble.id);
    expect([run, other, lr, ensemble, m1].map((r) => runs.get(r?.id ?? 0).group)).toEqual([
      run.id,
      run.id,
      null,
      null,
      null,
    ]);
    expect(runs.list().map((r) => [r.id, r.group])).toEqual(
      [run, other, lr, ensemble, ...runs.members(ensemble.id)].map((r) => [r.id, runs.get(r.id).group]).reverse(),
    );
    expect(runs.groupRuns(other.id).map((r) => r.id)).toEqual([run.id, other.id]);
    expect(runs.groupRuns(lr.id).map((r) => r.id)).toEqual([lr.id]);
    // deleting the group's first run leaves the other alone
    runs.setStatus(run.id, 'done');
    runs.delete(run.id);
    expect(runs.get(other.id).group).toBeNull();
  });
});
