import { describe, expect, it } from 'vitest';
import type { JobInfo, RunMap } from '../../src/shared/contract';
import { MapState } from '../../src/renderer/src/state/map.svelte';
import { FakeClient, settle } from './fake-client';

const map = (runId: number, seed = 42): RunMap => ({
  runId,
  method: 'umap',
  seed,
  neighbours: 15,
  minDist: 0.1,
  epochs: 500,
  dim: 64,
  count: 2,
  seconds: 1,
  createdAt: '2026-01-01T00:00:00Z',
  classes: ['a', 'b'],
  index: [0, 1],
  x: [0, 1],
  y: [0, 1],
  label: [0, 1],
  predicted: [0, 0],
  mutualInformation: [null, null],
  background: [null, null],
  tags: {},
});
const job: JobInfo = { id: 'job-7', kind: 'map', title: 'Map run 3 (UMAP)', status: 'queued', error: null };

describe('MapState', () => {
  it('offers to compute a missing map, follows its job, and shows the map once stored', async () => {
    const fake = new FakeClient();
    const state = new MapState(fake.client);
    const stop = state.listen();
    const loading = state.load(3);
    fake.take('getMap').resolve({ ok: true, value: null });
    await loading;
    expect(state.map).toBeNull();
    const computing = state.compute();
    const asked = fake.take('mapRun');
    expect(asked.input).toEqual({ id: 3 });
    asked.resolve({ ok: true, value: { job } });
    await computing;
    expect(state.job?.id).toBe('job-7');
    // another job's progress is not this map's
    fake.emit('jobProgress', { jobId: 'job-1', progress: { phase: 'epoch 1 of 2', done: 1, total: 2, unit: 'steps' } });
    expect(state.progress).toBeNull();
    fake.emit('jobProgress', {
      jobId: 'job-7',
      progress: { phase: 'UMAP epoch 10 of 500', done: 10, total: 500, unit: 'steps' },
    });
    expect(state.progress?.done).toBe(10);
    // another run's map does nothing; this run's is read
    fake.emit('runMapped', { map: map(4) });
    expect(fake.pending).toHaveLength(0);
    fake.emit('runMapped', { map: map(3) });
    expect(state.job).toBeNull();
    fake.take('getMap').resolve({ ok: true, value: map(3) });
    await settle();
    expect(state.map?.runId).toBe(3);
    stop();
  });

  it('drops an older answer after switching runs, and says why a job failed', async () => {
    const fake = new FakeClient();
    const state = new MapState(fake.client);
    const stop = state.listen();
    const first = state.load(3);
    const second = state.load(5);
    const [old, current] = [fake.take('getMap'), fake.take('getMap')];
    current.resolve({ ok: true, value: map(5) });
    old.resolve({ ok: true, value: map(3) });
    await Promise.all([first, second]);
    expect(state.map?.runId).toBe(5);
    const computing = state.compute();
    fake.take('mapRun').resolve({ ok: true, value: { job } });
    await computing;
    fake.emit('jobFinished', { job: { ...job, status: 'failed', error: 'run 5 has no features' }, result: null });
    expect(state.job).toBeNull();
    expect(state.error).toBe('The map could not be computed: run 5 has no features');
    stop();
  });
});
