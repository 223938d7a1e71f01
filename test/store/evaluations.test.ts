import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { summarise } from '../../src/main/lab/evaluation/report';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { RunStore } from '../../src/main/lab/store/runs';
import { syntheticDataset } from '../helpers/synthetic';

describe('EvaluationStore (migration 003)', () => {
  it('stores an evaluation with one prediction per image; the newest is the current one', () => {
    const db = openDatabase(':memory:');
    const { dataset } = new DatasetStore(db).add(syntheticDataset());
    const runs = new RunStore(db);
    const run = runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('vnn'),
    });
    const store = new EvaluationStore(db);
    expect(store.latest(run.id)).toBeNull();
    const samples = new Float32Array([0.9, 0.1, 0.7, 0.3, 0.2, 0.8, 0.4, 0.6]);
    const first = summarise({ labels: [0, 1], samples, perImage: 2, classes: ['a', 'b'] }, 1);
    const id1 = store.add(run.id, first.metrics, first.images);
    const second = summarise({ labels: [0, 1], samples, perImage: 2, classes: ['a', 'b'] }, 2);
    const id2 = store.add(run.id, second.metrics, second.images);
    expect(id2).toBeGreaterThan(id1);
    expect(store.latest(run.id)).toMatchObject({ id: id2, metrics: { seconds: 2, samples: 2 } });
    expect(store.predictionCount(id2)).toBe(2);
    const row = db
      .prepare('SELECT boxplots, mutual_information FROM predictions WHERE evaluation_id = ? AND idx = 0')
      .get(id2) as {
      boxplots: string;
      mutual_information: number;
    };
    expect(JSON.parse(row.boxplots)).toHaveLength(2);
    expect(row.mutual_information).toBeGreaterThan(0);
    // deleting the run removes its evaluations and predictions
    db.prepare('DELETE FROM runs WHERE id = ?').run(run.id);
    expect(db.prepare('SELECT count(*) FROM predictions').pluck().get()).toBe(0);
  });
});
