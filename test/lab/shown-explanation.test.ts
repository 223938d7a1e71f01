/**
 * "The current explanation" has one meaning per purpose (docs/decisions.md, "One owner for the
 * schema"): after a run is explained for a chosen class, its run page, the gallery's tiles and the
 * case view all show that explanation's maps, while the case lists' background shares stay those
 * of the predicted class.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { DEFAULT_OVERLAY_PARAMS, renderOverlay } from '../../src/main/lab/images/overlay';
import { Lab } from '../../src/main/lab/lab';
import { runCli } from '../../src/main/cli';
import { captureIo } from '../helpers/io';
import { CNN_BACKGROUND, EXPLANATION, LABELS, caseStudy, type CaseStudy } from '../cases/fixture';
import { tempDir } from '../helpers/lab';

let lab: Lab | null = null;
let study: CaseStudy | null = null;
afterEach(async () => {
  await lab?.shutdown();
  study?.db.close();
  lab = null;
  study = null;
});

/** Class 2's maps: hot in the bottom-right, unlike the fixture's predicted-class maps. */
const CLASS_2 = [0, 0, 0.2, 1];

function open(file: string): Lab {
  lab = new Lab({ databasePath: file, mode: 'browser', version: 'test', launch: inProcessLauncher, emit: () => {} });
  return lab;
}

/** The case study (run 1 explained for its predicted classes), then run 1 explained for class 2. */
function explainedForClass2(): { file: string; study: CaseStudy } {
  const file = join(tempDir(), 'study.db');
  study = caseStudy(file);
  study.explanations.add(
    study.runIds[0],
    { ...EXPLANATION, targetClass: 2, meanBackground: 0.9 },
    LABELS.map((label, index) => ({
      index,
      label,
      predicted: 2,
      probability: 0.5,
      background: 0.9,
      map: new Float32Array(CLASS_2),
      std: null,
      trueMap: null,
      trueStd: null,
    })),
  );
  return { file, study };
}

/** What the three places show of run 1's image `index`: the run page's map, the case view's, the gallery tile. */
async function shown(l: Lab, index: number) {
  const summary = await l.dispatch('getExplanation', { runId: 1 });
  const page = await l.dispatch('listExplanationImages', { runId: 1, offset: index, limit: 1 });
  const detail = await l.dispatch('getCase', { datasetId: 1, index, runs: [1] });
  if (!summary.ok || !page.ok || !detail.ok) throw new Error('a request failed');
  return {
    targetClass: summary.value?.targetClass,
    runPage: page.value.items[0]?.map.map((v) => Number(v.toFixed(4))),
    caseView: detail.value.runs[0]?.maps?.map.map((v) => Number(v.toFixed(4))),
    tile: await l.overlayPng(1, index, DEFAULT_OVERLAY_PARAMS),
  };
}

describe('the shown explanation', () => {
  it('after "explain for class k", the run page, the gallery and the case view show class k\'s maps', async () => {
    const { file, study } = explainedForClass2();
    const l = open(file);
    const image = study.datasets.image(1, 'test', 3);
    const tileOf = (values: number[]) =>
      renderOverlay(image.pixels, image.shape, { values, shape: [2, 2] }, DEFAULT_OVERLAY_PARAMS);
    const seen = await shown(l, 3);
    expect(seen.targetClass).toBe(2);
    expect(seen.runPage).toEqual(CLASS_2);
    expect(seen.caseView).toEqual(CLASS_2);
    expect(seen.tile.equals(await tileOf(CLASS_2))).toBe(true);
    expect(seen.tile.equals(await tileOf([0.3, 0.5, 1, 0]))).toBe(false);
    // the case lists' background shares stay those of the predicted class (not class 2's 0.9)
    const page = await l.dispatch('listCases', { runs: [1], sort: 'index', limit: 6 });
    expect(page.ok && page.value.items.map((c) => c.runs[0]?.background)).toEqual(CNN_BACKGROUND);
  });

  it('shows the explanation the user picks on all three, across a restart, until a new one is made', async () => {
    const { file } = explainedForClass2();
    let l = open(file);
    const listed = await l.dispatch('listExplanations', { runId: 1 });
    expect(listed.ok && listed.value.items.map((e) => [e.id, e.summary.targetClass])).toEqual([
      [2, 2],
      [1, null],
    ]);
    expect(listed.ok && listed.value.shownId).toBe(2);
    const picked = await l.dispatch('showExplanation', { runId: 1, explanationId: 1 });
    expect(picked.ok && picked.value.shownId).toBe(1);
    const predicted = [0.3, 0.5, 1, 0];
    const before = await shown(l, 3);
    expect([before.targetClass, before.runPage, before.caseView]).toEqual([null, predicted, predicted]);
    // a second explanation beside the shown one (the pages' side by side)
    const other = await l.dispatch('getExplanationImage', { runId: 1, explanationId: 2, index: 3 });
    expect(other.ok && other.value?.image.map.map((v) => Number(v.toFixed(4)))).toEqual(CLASS_2);
    // the pick is stored: a new Lab (a restart) shows it too
    await l.shutdown();
    l = open(file);
    const after = await shown(l, 3);
    expect([after.targetClass, after.runPage, after.caseView]).toEqual([null, predicted, predicted]);
    expect(after.tile.equals(before.tile)).toBe(true);
    // another run's explanation cannot be picked; nothing changes
    const wrong = await l.dispatch('showExplanation', { runId: 2, explanationId: 1 });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'not-found', message: 'run 2 has no explanation 1' } });
    // a new explanation (what an explain job stores) is shown from then on
    study?.explanations.add(1, { ...EXPLANATION, method: 'gradcampp' }, []);
    const made = await l.dispatch('getExplanation', { runId: 1 });
    expect(made.ok && made.value?.method).toBe('gradcampp');
    const newest = await l.dispatch('listExplanations', { runId: 1 });
    expect(newest.ok && newest.value.shownId).toBe(3);
  });

  it('casebook explain shows an explanation the run already has without computing it, and lists them', async () => {
    const { file } = explainedForClass2();
    study?.db.close();
    study = null;
    const io = captureIo();
    expect(await runCli(['explain', '--run', '1', '--db', file, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ runId: 1, explanationId: 1, computed: false });
    const list = captureIo();
    expect(await runCli(['explain', '--run', '1', '--list', '--db', file], list)).toBe(0);
    expect(list.out()).toMatch(/\* +1 +Grad-CAM · logit · predicted class/);
    expect(list.out()).toMatch(/\n +2 +Grad-CAM · logit · class /);
    const l = open(file);
    const seen = await shown(l, 3);
    expect([seen.targetClass, seen.caseView]).toEqual([null, [0.3, 0.5, 1, 0]]);
  });
});
