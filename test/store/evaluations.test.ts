import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { summarise } from '../../src/main/lab/evaluation/report';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { decodeProbabilities, encodeProbabilities, QUANTISATION_ERROR } from '../../src/main/lab/store/quantised';
import { RunStore } from '../../src/main/lab/store/runs';
import { syntheticDataset } from '../helpers/synthetic';

function setup(model: 'vnn' | 'cnn' = 'vnn') {
  const db = openDatabase(':memory:');
  const { dataset } = new DatasetStore(db).add(syntheticDataset());
  const run = new RunStore(db).create({
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    config: defaultRunConfig(model),
  });
  return { db, runId: run.id, store: new EvaluationStore(db) };
}

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
    expect(store.current(run.id)).toBeNull();
    const samples = new Float32Array([0.9, 0.1, 0.7, 0.3, 0.2, 0.8, 0.4, 0.6]);
    const first = summarise({ labels: [0, 1], samples, perImage: 2, classes: ['a', 'b'] }, 1);
    const id1 = store.add(run.id, first.metrics, first.images);
    const second = summarise({ labels: [0, 1], samples, perImage: 2, classes: ['a', 'b'] }, 2);
    const id2 = store.add(run.id, second.metrics, second.images);
    expect(id2).toBeGreaterThan(id1);
    expect(store.current(run.id)).toMatchObject({ id: id2, metrics: { seconds: 2, samples: 2 } });
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

describe('stored probabilities', () => {
  it('are uint16 little-endian, round(p · 65535), within half a step of the value', () => {
    const bytes = encodeProbabilities([0, 1, 0.5, 1 / 3, -0.1, 1.2]);
    expect([...bytes.subarray(0, 6)]).toEqual([0, 0, 0xff, 0xff, 0x00, 0x80]); // 0.5 · 65535 = 32767.5 → 32768
    const back = decodeProbabilities(bytes);
    expect(back[3]).toBeCloseTo(1 / 3, 4);
    expect(Math.abs(back[3]! - 1 / 3)).toBeLessThanOrEqual(QUANTISATION_ERROR + 1e-7);
    expect([back[4], back[5]]).toEqual([0, 1]); // clamped
    expect(() => encodeProbabilities([Number.NaN])).toThrow('probability 0 is NaN');
    expect(() => decodeProbabilities(new Uint8Array(3))).toThrow(/3 bytes/);
  });
});

describe('EvaluationStore samples (migration 006)', () => {
  // 3 images × 4 samples × 2 classes, image-major
  const samples = Float32Array.from({ length: 3 * 4 * 2 }, (_, i) => (i % 2 === 0 ? ((i * 7) % 10) / 10 : 0));
  for (let i = 1; i < samples.length; i += 2) samples[i] = 1 - samples[i - 1]!;
  const evaluate = (seconds: number, perImage = 4, values = samples) =>
    summarise({ labels: [0, 1, 0], samples: values, perImage, classes: ['a', 'b'] }, seconds);

  it('keeps T × K samples per image for the current evaluation, sample-major, within the quantisation error', () => {
    const { store, runId } = setup();
    const { metrics, images } = evaluate(1);
    const id = store.add(runId, metrics, images, samples);
    const second = store.samples(id, 1);
    expect(second).toMatchObject({ samples: 4, classes: 2 });
    expect(second!.values).toHaveLength(8);
    second!.values.forEach((v, j) =>
      expect(Math.abs(v - samples[8 + j]!)).toBeLessThanOrEqual(QUANTISATION_ERROR + 1e-7),
    );
    expect(store.samples(id, 3)).toBeNull();
    expect(store.samples(id + 1, 0)).toBeNull();
  });

  it("drops the older evaluations' samples when a newer one is stored, keeping their predictions", () => {
    const { db, store, runId } = setup();
    const first = evaluate(1);
    const old = store.add(runId, first.metrics, first.images, samples);
    const second = evaluate(2);
    const current = store.add(runId, second.metrics, second.images, samples);
    expect(store.samples(old, 0)).toBeNull();
    expect(store.predictionCount(old)).toBe(3);
    expect(store.predictions(old).map((p) => p.index)).toEqual([0, 1, 2]);
    expect(store.samples(current, 0)).not.toBeNull();
    expect(db.prepare('SELECT count(*) FROM evaluation_samples').pluck().get()).toBe(3);
    // a deterministic re-evaluation stores none and still drops the older ones
    const single = samples.filter((_, i) => Math.floor(i / 2) % 4 === 0);
    const third = evaluate(3, 1, single);
    store.add(runId, third.metrics, third.images, single);
    expect(db.prepare('SELECT count(*) FROM evaluation_samples').pluck().get()).toBe(0);
  });

  it('stores no samples for a deterministic evaluation (T = 1), and refuses samples of the wrong size', () => {
    const { db, store, runId } = setup('cnn');
    const single = samples.subarray(0, 3 * 2);
    const { metrics, images } = evaluate(1, 1, single);
    const id = store.add(runId, metrics, images, single);
    expect(store.samples(id, 0)).toBeNull();
    expect(db.prepare('SELECT count(*) FROM evaluation_samples').pluck().get()).toBe(0);
    const stochastic = evaluate(1);
    expect(() => store.add(runId, stochastic.metrics, stochastic.images, samples.subarray(1))).toThrow(
      'samples: expected 3 images × 4 samples × 2 classes = 24 values, got 23',
    );
  });

  it('reads the predictions an explanation follows', () => {
    const { store, runId } = setup();
    const { metrics, images } = evaluate(1);
    const id = store.add(runId, metrics, images, samples);
    const predictions = store.predictions(id);
    expect(predictions).toHaveLength(3);
    predictions.forEach((p, i) => {
      expect(p).toMatchObject({ index: i, label: images[i]!.label, predicted: images[i]!.predicted });
      expect(p.confidence).toBeCloseTo(images[i]!.confidence, 12);
      expect(p.probabilities).toEqual(images[i]!.probabilities);
    });
  });
});
