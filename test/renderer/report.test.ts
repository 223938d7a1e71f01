import { describe, expect, it } from 'vitest';
import type { MadeReport } from '../../src/shared/contract';
import { ReportState, parseCaseList, progressText } from '../../src/renderer/src/state/report.svelte';
import { FakeClient } from './fake-client';

const made = (extra: Partial<MadeReport> = {}): MadeReport => ({
  fileName: 'casebook-report-runs-1-2.html',
  mimeType: 'text/html',
  base64: 'PGh0bWw+',
  format: 'html',
  figures: 9,
  cases: 2,
  skipped: [],
  ...extra,
});

function setup() {
  const fake = new FakeClient();
  const delivered: MadeReport[] = [];
  const state = new ReportState(fake.client, (file) => delivered.push(file));
  return { fake, delivered, state };
}

describe('parseCaseList', () => {
  it('reads indices (test images) and split/index, once each', () => {
    expect(parseCaseList('12, 40 test/7,train/3 12')).toEqual([
      { split: 'test', index: 12 },
      { split: 'test', index: 40 },
      { split: 'test', index: 7 },
      { split: 'train', index: 3 },
    ]);
  });

  it('names what is not an image', () => {
    expect(parseCaseList('')).toMatch(/List the images/);
    expect(parseCaseList('12, deer')).toBe('"deer" is not an image: write an index such as 17, or test/17.');
    expect(parseCaseList('-3')).toMatch(/"-3" is not an image/);
  });
});

describe('ReportState', () => {
  it('makes the report with the choices, shows its progress, delivers the file', async () => {
    const { fake, delivered, state } = setup();
    state.show([1, 2]);
    state.casesMode = 'list';
    state.casesText = '4, 9';
    state.format = 'md';
    const making = state.make();
    const request = fake.take('makeReport');
    const input = request.input as { reportId: string };
    expect(request.input).toMatchObject({
      runIds: [1, 2],
      cases: [
        { split: 'test', index: 4 },
        { split: 'test', index: 9 },
      ],
      format: 'md',
    });
    expect(state.status).toBe('making');
    expect(progressText(state.progress)).toMatch(/Gathering/);
    // another report's progress is not this one's
    fake.emit('reportProgress', { reportId: 'someone-else', stage: 'drawing', done: 5, total: 6 });
    expect(state.progress).toBeNull();
    fake.emit('reportProgress', { reportId: input.reportId, stage: 'drawing', done: 2, total: 9 });
    expect(progressText(state.progress)).toBe('Drawing figure 3 of 9…');
    request.resolve({ ok: true, value: made({ format: 'md', fileName: 'r.zip', mimeType: 'application/zip' }) });
    await making;
    expect(delivered.map((d) => d.fileName)).toEqual(['r.zip']);
    expect(state.status).toBe('done');
    expect(state.made).toMatchObject({ fileName: 'r.zip', figures: 9, cases: 2 });
    // no longer listening
    fake.emit('reportProgress', { reportId: input.reportId, stage: 'drawing', done: 8, total: 9 });
    expect(state.progress).toMatchObject({ done: 2 });
  });

  it('asks nothing while the choice is not valid, and says why', async () => {
    const { fake, state } = setup();
    state.show([]);
    await state.make();
    expect(state.error).toBe('Choose at least one run.');
    state.toggle(3, true);
    state.casesMode = 'list';
    state.casesText = 'frog';
    await state.make();
    expect(state.error).toMatch(/"frog" is not an image/);
    expect(fake.pending).toHaveLength(0);
  });

  it('keeps a failure in the dialog and delivers nothing', async () => {
    const { fake, delivered, state } = setup();
    state.show([7]);
    const attempt = state.make();
    const request = fake.take('makeReport');
    // the defaults: annotated cases, one HTML file
    expect(request.input).toMatchObject({ runIds: [7], cases: 'annotated', format: 'html' });
    request.resolve({ ok: false, error: { code: 'not-found', message: 'no run with id 7' } });
    await attempt;
    expect(state.status).toBe('error');
    expect(state.error).toBe('The report was not made: no run with id 7');
    expect(delivered).toHaveLength(0);
  });
});
