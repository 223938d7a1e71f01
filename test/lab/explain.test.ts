import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { syntheticDataset } from '../helpers/synthetic';
import { tempDir, storesOf } from '../helpers/lab';

let labs: Lab[] = [];
afterEach(() => {
  for (const lab of labs) lab.close();
  labs = [];
});

/** A lab running jobs in-process, with a tiny trained CNN run (not evaluated unless `autoEvaluate`). */
async function labWithRun(autoEvaluate: boolean) {
  const lab = new Lab({
    databasePath: join(tempDir(), 'study.db'),
    mode: 'browser',
    version: 'test',
    launch: inProcessLauncher,
    emit: () => undefined,
    autoEvaluate,
  });
  labs.push(lab);
  const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
  const { run, job } = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1, batchSize: 6 });
  expect((await lab.jobs.finished(job.id)).job.status).toBe('done');
  return { lab, runId: run.id };
}

describe('explaining through the lab', () => {
  it('evaluates a run without an evaluation first, and follows that evaluation', async () => {
    const { lab, runId } = await labWithRun(false);
    expect(storesOf(lab).evaluations.current(runId)).toBeNull();
    const job = lab.explain({ id: runId });
    // the evaluation is queued before the explanation (jobs run one at a time, in order)
    expect(lab.jobs.list().map((j) => j.kind)).toEqual(['train', 'evaluate', 'explain']);
    expect((await lab.jobs.finished(job.id)).job).toMatchObject({ status: 'done', error: null });
    const evaluation = storesOf(lab).evaluations.current(runId)!;
    const predictions = storesOf(lab).evaluations.predictions(evaluation.id);
    const images = storesOf(lab).explanations.images(storesOf(lab).explanations.shown(runId)!.id, {
      order: 'index',
      offset: 0,
      limit: 6,
    });
    expect(images.items.map((i) => i.predicted)).toEqual(predictions.map((p) => p.predicted));
    // evaluated now: a second explanation queues no evaluation
    await lab.jobs.finished(lab.explain({ id: runId, method: 'gradcampp' }).id);
    expect(lab.jobs.list().filter((j) => j.kind === 'evaluate')).toHaveLength(1);
  });

  it('queues one evaluation when a run finishes, the explanation, the features and the background test waiting for it', async () => {
    const { lab, runId } = await labWithRun(true);
    const kinds = lab.jobs.list().map((j) => j.kind);
    expect(kinds).toEqual(['train', 'evaluate', 'explain', 'features', 'background']);
    const explain = lab.jobs.list().find((j) => j.kind === 'explain')!;
    expect((await lab.jobs.finished(explain.id)).job.status).toBe('done');
    expect(storesOf(lab).explanations.shown(runId)).not.toBeNull();
    const background = lab.jobs.list().find((j) => j.kind === 'background')!;
    expect((await lab.jobs.finished(background.id)).job.status).toBe('done');
    expect(storesOf(lab).background.current(runId)?.summary.images).toBe(6);
  });

  it('fails an explanation job of a run without an evaluation, saying so', async () => {
    const { lab, runId } = await labWithRun(false);
    const job = lab.jobs.start({ kind: 'explain', request: { id: runId, method: 'gradcam', score: 'logit' } }, 'x');
    expect((await lab.jobs.finished(job.id)).job).toMatchObject({
      status: 'failed',
      error: `run ${runId} has no evaluation; evaluate it first`,
    });
    expect(storesOf(lab).explanations.shown(runId)).toBeNull();
  });
});
