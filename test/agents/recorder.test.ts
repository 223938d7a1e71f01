import { afterEach, describe, expect, it } from 'vitest';
import { recordWrite, RefusedResultError } from '../../src/main/lab/agents/recorder';
import { AgentReceipts } from '../../src/main/lab/store/agent-receipts';
import { LeaseLostError } from '../../src/main/lab/store/run-owners';
import type { Lab } from '../../src/main/lab/lab';
import { syntheticDataset } from '../helpers/synthetic';
import { storesOf, tempDir } from '../helpers/lab';
import { holdingLauncher, labOn } from '../helpers/runs';

let labs: Lab[] = [];
afterEach(() => {
  for (const lab of labs) lab.close();
  labs = [];
});

function setup() {
  const { lab } = labOn(tempDir(), { launch: holdingLauncher });
  labs.push(lab);
  const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 4, test: 2 }));
  const { run } = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 3 });
  const lease = storesOf(lab).runs.owners.generation(run.id)!;
  const target = {
    runs: storesOf(lab).runs,
    datasets: storesOf(lab).datasets,
    evaluations: storesOf(lab).evaluations,
    explanations: storesOf(lab).explanations,
    receipts: new AgentReceipts(storesOf(lab).db),
    emit: () => undefined,
  };
  return { lab, run, lease, target, key: `train-${run.id}-${lease}` };
}

const metrics = (epoch: number) => ({
  epoch,
  loss: 1 / epoch,
  accuracy: 0.5,
  valLoss: 1,
  valAccuracy: 0.5,
  seconds: 2,
  imagesPerSecond: 10,
});

describe("recording an agent's writes", () => {
  it('records an epoch delivered twice once, and refuses one after a gap', () => {
    const { lab, run, lease, target, key } = setup();
    const epoch = (n: number) => ({
      op: 'epoch' as const,
      runId: run.id,
      metrics: metrics(n),
      best: null,
      checkpoints: {},
    });
    expect(recordWrite(target, key, lease, epoch(1))).toMatchObject({ kind: 'recorded', epoch: 1 });
    expect(recordWrite(target, key, lease, epoch(1))).toEqual({
      kind: 'skipped',
      why: `run ${run.id}'s epoch 1 is already recorded`,
    });
    expect(() => recordWrite(target, key, lease, epoch(3))).toThrow(
      new RefusedResultError(`run ${run.id}: epoch 3 refused, the app has recorded 1 epochs (it would leave a gap)`),
    );
    expect(
      storesOf(lab)
        .runs.epochs(run.id)
        .map((e) => e.epoch),
    ).toEqual([1]);
    expect(storesOf(lab).runs.get(run.id)).toMatchObject({ epochsDone: 1, trainSeconds: 2 });
  });

  it('refuses the writes of a claim that moved on, writing nothing', () => {
    const { lab, run, lease, target, key } = setup();
    expect(() =>
      recordWrite(target, key, lease + 1, { op: 'started', runId: run.id, backend: 'wasm', params: 10 }),
    ).toThrow(LeaseLostError);
    expect(storesOf(lab).runs.get(run.id)).toMatchObject({ status: 'queued', backend: null });
  });

  it('keeps one receipt per job key: an evaluation delivered twice is stored once', () => {
    const { lab, run } = setup();
    const receipts = new AgentReceipts(storesOf(lab).db);
    let writes = 0;
    expect(receipts.once('evaluate-1-5', run.id, () => (writes += 1))).toBe(true);
    expect(receipts.once('evaluate-1-5', run.id, () => (writes += 1))).toBe(false);
    expect(writes).toBe(1);
  });
});
