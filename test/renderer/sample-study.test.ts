import { describe, expect, it } from 'vitest';
import { defaultRunConfig, type RunSummary } from '../../src/shared/contract';
import { SampleStudyState } from '../../src/renderer/src/state/sample-study.svelte';
import { FakeClient, settle } from './fake-client';

const run = (id: number, model: RunSummary['model']) =>
  ({ id, model, config: defaultRunConfig(model), status: 'queued' }) as RunSummary;

describe('SampleStudyState', () => {
  it('lands once every run is explained, counting events that beat the answer', async () => {
    const fake = new FakeClient();
    const study = new SampleStudyState(fake.client);
    const landed: number[][] = [];
    study.listen((ids) => landed.push(ids));
    void study.start();
    const ask = fake.take('startSampleStudy');
    // the CNN finishes everything before the answer arrives
    fake.emit('runExplained', { runId: 1, summary: {} as never });
    ask.resolve({
      ok: true,
      value: { datasetId: 1, runs: [run(1, 'cnn'), run(2, 'vnn'), run(3, 'mcdropout')], jobs: [] },
    });
    await settle();
    expect(study.runs.map((r) => r.step)).toEqual(['explained', 'training', 'training']);
    fake.emit('runEvaluated', { runId: 2, metrics: {} as never });
    fake.emit('runExplained', { runId: 2, summary: {} as never });
    expect(landed).toEqual([]);
    expect(study.fraction).toBeCloseTo(2 / 3, 5);
    fake.emit('runExplained', { runId: 3, summary: {} as never });
    expect(study.stage).toBe('done');
    expect(landed).toEqual([[1, 2, 3]]);
  });

  it('says why when a job of the study fails', async () => {
    const fake = new FakeClient();
    const study = new SampleStudyState(fake.client);
    study.listen(() => {});
    void study.start();
    fake.take('startSampleStudy').resolve({ ok: true, value: { datasetId: 1, runs: [run(4, 'cnn')], jobs: [] } });
    await settle();
    fake.emit('jobFinished', {
      job: { id: 'j', kind: 'explain', title: 'Explain run 4', status: 'failed', error: 'out of memory' },
      result: null,
    });
    expect(study.stage).toBe('failed');
    expect(study.error).toBe('out of memory');
  });
});
