import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { caseStudy } from '../cases/fixture';
import { tempDir, type RecordedEvent, storesOf } from '../helpers/lab';

let lab: Lab | null = null;
afterEach(async () => {
  await lab?.shutdown();
  lab = null;
});

/** A Lab over the hand-made case study (runs 1 CNN, 2 VNN, 3 MC dropout on dataset 1). */
function studyLab(): { lab: Lab; events: RecordedEvent[] } {
  const file = join(tempDir(), 'study.db');
  caseStudy(file).db.close();
  const events: RecordedEvent[] = [];
  lab = new Lab({
    databasePath: file,
    mode: 'browser',
    version: 'test',
    launch: inProcessLauncher,
    emit: (name, payload) => events.push({ name, payload }),
  });
  return { lab, events };
}

describe('cases through the Lab', () => {
  it('answers case requests in envelopes and tells every page when an annotation changes', async () => {
    const { lab, events } = studyLab();
    const page = await lab.dispatch('listCases', { runs: [1, 2, 3], filter: { outcome: 'disagree' } });
    expect(page.ok && page.value.items.map((c) => c.index)).toEqual([1, 3, 5]);
    const made = await lab.dispatch('annotate', { datasetId: 1, index: 5, addTags: ['ambiguous'], note: 'a truck?' });
    expect(made).toMatchObject({ ok: true, value: { index: 5, tags: ['ambiguous'], note: 'a truck?' } });
    expect(events.filter((e) => e.name === 'annotationChanged').map((e) => e.payload)).toEqual([
      { annotation: made.ok ? made.value : null },
    ]);
    const undone = await lab.dispatch('undoAnnotation', { datasetId: 1 });
    expect(undone).toMatchObject({ ok: true, value: { index: 5, tags: [], note: '' } });
    expect(events.filter((e) => e.name === 'annotationChanged')).toHaveLength(2);
  });

  it('keeps annotations when their run is deleted', async () => {
    const { lab } = studyLab();
    await lab.dispatch('annotate', { datasetId: 1, index: 0, addTags: ['mislabelled?'], runId: 1 });
    expect(await lab.dispatch('deleteRun', { id: 1 })).toMatchObject({ ok: true, value: { deleted: [1] } });
    const kept = await lab.dispatch('listAnnotations', { datasetId: 1 });
    expect(kept).toMatchObject({ ok: true, value: [{ index: 0, tags: ['mislabelled?'], runId: null }] });
    // the case view of the image still shows it, over the remaining runs
    const detail = await lab.dispatch('getCase', { datasetId: 1, index: 0 });
    expect(detail.ok && detail.value.runs.map((r) => r.runId)).toEqual([2, 3]);
    expect(detail.ok && detail.value.annotation.tags).toEqual(['mislabelled?']);
  });

  it('answers bad case requests with the right error code, naming the problem', async () => {
    const { lab } = studyLab();
    expect(await lab.dispatch('annotate', { datasetId: 1, index: 0, addTags: [''] })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringContaining('a tag cannot be empty') },
    });
    expect(await lab.dispatch('getCase', { datasetId: 1, index: 600 })).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: 'dataset 1 has no test image 600' },
    });
    const unevaluated = storesOf(lab).runs.create({
      datasetId: 1,
      datasetHash: storesOf(lab).datasets.get(1).contentHash,
      config: storesOf(lab).runs.get(1).config,
    });
    expect(await lab.dispatch('findCases', { runs: [1, unevaluated.id] })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining(`run ${unevaluated.id} has no evaluation yet`) },
    });
  });
});
