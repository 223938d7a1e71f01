// The run page's background test: loaded with the run, its most dependent images asked for once it
// arrives, replaced by main's event, and dropped when a new evaluation makes it another's.
import { describe, expect, it } from 'vitest';
import type { BackgroundSummary } from '../../src/shared/contract';
import { BackgroundState } from '../../src/renderer/src/state/background.svelte';
import { ErrorsState } from '../../src/renderer/src/state/errors.svelte';
import { FakeClient, settle } from './fake-client';

const summary = (meanDependence: number): BackgroundSummary => ({
  evaluationId: 1,
  samples: 1,
  images: 2,
  meanDependence,
  meanCentreDependence: 0.3,
  flips: 1,
  flipsBlur: 1,
  flipsMean: 0,
  flipsRight: 0,
  ringArea: 0.25,
  blurSigma: 2,
  seconds: 1,
});

const image = {
  index: 1,
  label: 0,
  predicted: 2,
  base: 0.9,
  variants: [0.2, 0.8, 0.9, 0.9],
  variantClasses: [0, 2, 2, 2],
  dependence: 0.7,
  centreDependence: 0,
  flips: true,
  flippedTo: 0,
};

describe('BackgroundState', () => {
  it('loads the run’s test and its top images, follows the event, and reloads after a new evaluation', async () => {
    const fake = new FakeClient();
    const state = new BackgroundState(fake.client, new ErrorsState());
    const off = state.listen();
    void state.load(3);
    expect(fake.take('getBackgroundTest').input).toEqual({ runId: 3 });
    // answered later: load() resolves once fetched
    const loaded = state.load(3);
    fake.take('getBackgroundTest').resolve({ ok: true, value: summary(0.1) });
    await loaded;
    expect(state.value?.meanDependence).toBe(0.1);
    const page = fake.take('listBackgroundImages');
    expect(page.input).toEqual({ runId: 3, order: 'dependence', offset: 0, limit: 8 });
    page.resolve({ ok: true, value: { total: 2, items: [{ ...image }] } });
    await settle();
    expect(state.images.map((i) => i.index)).toEqual([1]);
    // another run's test is not this one's
    fake.emit('runBackgroundTested', { runId: 4, summary: summary(0.9) });
    expect(state.value?.meanDependence).toBe(0.1);
    fake.emit('runBackgroundTested', { runId: 3, summary: summary(0.2) });
    expect(state.value?.meanDependence).toBe(0.2);
    fake.take('listBackgroundImages').resolve({ ok: true, value: { total: 0, items: [] } });
    // a new evaluation of the run: its test is asked for again (none yet for that evaluation)
    fake.emit('runEvaluated', { runId: 3, metrics: {} as never });
    expect(state.value).toBeNull();
    fake.take('getBackgroundTest').resolve({ ok: true, value: null });
    await settle();
    expect(state.value).toBeNull();
    off();
  });
});
