import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { SHUTDOWN_REASON } from '../../src/main/lab/jobs/protocol';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { RunStore } from '../../src/main/lab/store/runs';
import { trainRun } from '../../src/main/lab/training/train';
import { syntheticDataset } from '../helpers/synthetic';

function setup() {
  const db = openDatabase(':memory:');
  const datasets = new DatasetStore(db);
  const runs = new RunStore(db);
  const { dataset } = datasets.add(syntheticDataset({ train: 10, test: 3 }));
  const run = runs.create({
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    config: { ...defaultRunConfig('cnn'), epochs: 3, batchSize: 8 },
  });
  return { datasets, runs, run };
}

describe('stopping a training', () => {
  it('stops after the epoch in progress when another process asks through the run, as a cancel', async () => {
    const { datasets, runs, run } = setup();
    const training = trainRun({
      runs,
      datasets,
      runId: run.id,
      onUpdate: (updated, epoch) => {
        if (epoch?.epoch === 1) runs.owners.requestCancel(run.id);
      },
    });
    await expect(training).rejects.toMatchObject({ name: 'AbortError' });
    expect(runs.get(run.id)).toMatchObject({ status: 'cancelled', epochsDone: 1 });
  });

  it('leaves the run interrupted, not cancelled, when the job is stopped for a shutdown', async () => {
    const { datasets, runs, run } = setup();
    const controller = new AbortController();
    const training = trainRun({
      runs,
      datasets,
      runId: run.id,
      signal: controller.signal,
      onUpdate: (updated, epoch) => {
        if (epoch?.epoch === 1) controller.abort(SHUTDOWN_REASON);
      },
    });
    await expect(training).rejects.toMatchObject({ name: 'AbortError' });
    expect(runs.get(run.id)).toMatchObject({ status: 'interrupted', epochsDone: 1 });
    expect(runs.checkpoint(run.id, 'last')?.epoch).toBe(1);
  });
});
