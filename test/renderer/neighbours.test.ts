import { describe, expect, it } from 'vitest';
import type { FeatureInfo, JobInfo, NeighbourResult, SuspectList } from '../../src/shared/contract';
import { FinderState } from '../../src/renderer/src/state/finder.svelte';
import { NeighboursState } from '../../src/renderer/src/state/neighbours.svelte';
import { FakeClient, settle } from './fake-client';

const stored: FeatureInfo[] = (['test', 'train'] as const).map((split) => ({
  split,
  layer: 'dense_2',
  dim: 128,
  count: 10,
  createdAt: 'now',
}));

const result = (runId: number, index: number): NeighbourResult => ({
  runId,
  image: { split: 'test', index, label: 0, className: 'deer' },
  layer: 'dense_2',
  neighbours: [{ split: 'train', index: 4, label: 2, className: 'truck', distance: 0.1 }],
  predicted: 2,
  predictedClass: 'truck',
  sentence: 'Looks like the trucks it was trained on (1 of its 1 nearest training images), though it is a deer.',
  likePredicted: true,
});

const job = (status: JobInfo['status'], error: string | null = null): JobInfo => ({
  id: 'j1',
  kind: 'features',
  title: 'Features of run 8',
  status,
  error,
});

describe('NeighboursState', () => {
  it('asks each run; a run without features computes them on demand and shows them once they arrive', async () => {
    const fake = new FakeClient();
    const state = new NeighboursState(fake.client);
    const off = state.listen();
    void state.load({ split: 'test', index: 3, runIds: [7, 8], k: 8 });
    expect(state.byRun.get(7)).toEqual({ status: 'loading' });
    fake.take('getFeatures').resolve({ ok: true, value: stored });
    fake.take('getFeatures').resolve({ ok: true, value: [] });
    await settle();
    const ask = fake.take('getNeighbours');
    expect(ask.input).toEqual({ runId: 7, split: 'test', index: 3, k: 8 });
    ask.resolve({ ok: true, value: result(7, 3) });
    await settle();
    expect(state.byRun.get(7)).toMatchObject({ status: 'ready', result: { runId: 7 } });
    expect(state.byRun.get(8)).toMatchObject({ status: 'missing', computing: false });
    expect(state.settled).toBe(true);

    void state.compute(8);
    expect(state.byRun.get(8)).toMatchObject({ status: 'missing', computing: true });
    expect(fake.take('computeFeatures').input).toEqual({ id: 8 });
    // another run's features say nothing about this one
    fake.emit('runFeaturesComputed', { runId: 9, features: stored });
    expect(fake.pending).toHaveLength(0);
    fake.emit('runFeaturesComputed', { runId: 8, features: stored });
    fake.take('getFeatures').resolve({ ok: true, value: stored });
    await settle();
    fake.take('getNeighbours').resolve({ ok: true, value: result(8, 3) });
    await settle();
    expect(state.byRun.get(8)).toMatchObject({ status: 'ready', result: { runId: 8 } });
    off();
  });

  it('says why a features job failed, and drops an answer for an image no longer on show', async () => {
    const fake = new FakeClient();
    const state = new NeighboursState(fake.client);
    const off = state.listen();
    void state.load({ split: 'test', index: 1, runIds: [8], k: 8 });
    fake.take('getFeatures').resolve({ ok: true, value: [] });
    await settle();
    void state.compute(8);
    fake.take('computeFeatures').resolve({ ok: true, value: { job: job('queued') } });
    fake.emit('jobFinished', {
      job: job('failed', 'run 8 is cancelled; only a finished run can be searched'),
      result: null,
    });
    expect(state.byRun.get(8)).toEqual({
      status: 'error',
      message: 'run 8 is cancelled; only a finished run can be searched',
    });

    void state.load({ split: 'test', index: 2, runIds: [7], k: 8 });
    const old = fake.take('getFeatures');
    void state.load({ split: 'test', index: 5, runIds: [7], k: 8 });
    old.resolve({ ok: true, value: [] }); // for image 2: dropped
    await settle();
    expect(state.byRun.get(7)).toEqual({ status: 'loading' });
    fake.take('getFeatures').resolve({ ok: true, value: stored });
    await settle();
    fake.take('getNeighbours').resolve({ ok: true, value: result(7, 5) });
    await settle();
    expect(state.byRun.get(7)).toMatchObject({ status: 'ready', result: { image: { index: 5 } } });
    off();
  });
});

describe("FinderState's training images that may be mislabelled", () => {
  const suspects = (total: number, missingRuns: number[] = []): SuspectList => ({
    title: 'Training images that may be mislabelled',
    total,
    entries: [],
    missingRuns,
  });

  it('come with the lists, and again when a chosen run gets its features', async () => {
    const fake = new FakeClient();
    const finder = new FinderState(fake.client);
    const off = finder.listen();
    void finder.load([1, 2]);
    expect(fake.take('findSuspects').input).toEqual({ runs: [1, 2], limit: 12 });
    // the test images' lists do not wait for it
    fake.take('findCases').resolve({ ok: true, value: { lists: [] } });
    await settle();
    expect(finder.result).toEqual({ lists: [] });
    expect(finder.suspects).toBeNull();

    void finder.computeFeatures([2]);
    expect(finder.computing).toEqual([2]);
    fake.take('computeFeatures').resolve({ ok: true, value: { job: job('queued') } });
    fake.emit('runFeaturesComputed', { runId: 2, features: stored });
    expect(finder.computing).toEqual([]);
    fake.take('findSuspects').resolve({ ok: true, value: suspects(4) });
    await settle();
    expect(finder.suspects?.total).toBe(4);
    off();
  });
});
