import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import type { Lab } from '../../src/main/lab/lab';
import { syntheticDataset } from '../helpers/synthetic';
import { tempDir, storesOf } from '../helpers/lab';
import { deadPid, eventually, labOn } from '../helpers/runs';
import { LeaseLostError, ownershipTiming } from '../../src/main/lab/store/run-owners';

let labs: Lab[] = [];
afterEach(() => {
  for (const lab of labs) lab.close();
  labs = [];
});

function open(dir: string, options: Parameters<typeof labOn>[1] = {}): Lab {
  const { lab } = labOn(dir, options);
  labs.push(lab);
  return lab;
}

/** A cnn run stored directly (no job), with the owner columns set as given. */
function storedRun(lab: Lab, owner: { pid: number; host: string; heartbeat: string } | null, status = 'running') {
  const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
  const run = storesOf(lab).runs.create({
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    config: defaultRunConfig('cnn'),
  });
  storesOf(lab)
    .db.prepare('UPDATE runs SET status = ?, owner_pid = ?, owner_host = ?, owner_heartbeat = ? WHERE id = ?')
    .run(status, owner?.pid ?? null, owner?.host ?? null, owner?.heartbeat ?? null, run.id);
  return run;
}

describe('run ownership across processes sharing a database', () => {
  it('a second lab leaves a run the first has claimed alone, and refuses to resume or delete it', async () => {
    const dir = tempDir();
    const first = open(dir);
    const { dataset } = storesOf(first).datasets.add(syntheticDataset());
    const { run } = first.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1 });
    expect(storesOf(first).runs.owners.owner(run.id)).toMatchObject({ pid: process.pid, host: hostname() });

    // queued and claimed
    const second = open(dir);
    expect(storesOf(second).runs.get(run.id).status).toBe('queued');
    const resumed = await second.dispatch('resumeRun', { id: run.id });
    expect(resumed).toEqual({
      ok: false,
      error: { code: 'conflict', message: `cannot resume run ${run.id}: process ${process.pid} is training it` },
    });
    const deleted = await second.dispatch('deleteRun', { id: run.id });
    expect(deleted).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining(`process ${process.pid}`) },
    });

    // training (as its worker records it)
    storesOf(first).runs.markStarted(run.id, { backend: 'wasm', params: 1 });
    const third = open(dir);
    expect(storesOf(third).runs.get(run.id).status).toBe('running');
    expect((await third.dispatch('resumeRun', { id: run.id })).ok).toBe(false);
    expect(third.jobs.list()).toEqual([]);
  });

  it('marks a run interrupted when its owner process is dead, or silent for longer than the stale limit', () => {
    const dir = tempDir();
    const setup = open(dir);
    const now = new Date().toISOString();
    const dead = storedRun(setup, { pid: deadPid(), host: hostname(), heartbeat: now });
    const silent = storedRun(setup, {
      pid: 1,
      host: 'elsewhere',
      heartbeat: new Date(Date.now() - 120_000).toISOString(),
    });
    const remote = storedRun(setup, { pid: 1, host: 'elsewhere', heartbeat: now });
    const unowned = storedRun(setup, null, 'queued');
    const live = storedRun(setup, { pid: process.pid, host: hostname(), heartbeat: now });
    setup.close();

    const lab = open(dir);
    expect([dead, silent, remote, unowned, live].map((run) => storesOf(lab).runs.get(run.id).status)).toEqual([
      'interrupted',
      'interrupted',
      'running',
      'interrupted',
      'running',
    ]);
    expect(storesOf(lab).runs.get(dead.id).error).toBe('the process training this run stopped');
    expect(storesOf(lab).runs.owners.owner(dead.id)).toBeNull();
    // an interrupted run is resumable by anyone
    expect(lab.resumeRun(dead.id).run.status).toBe('queued');
    expect(storesOf(lab).runs.owners.owner(dead.id)?.pid).toBe(process.pid);
  });

  it('keeps a claimed run alive past the stale limit with heartbeats', async () => {
    const dir = tempDir();
    const timing = { heartbeatMs: 30, staleMs: 300 };
    const first = open(dir, { ownership: timing });
    const { dataset } = storesOf(first).datasets.add(syntheticDataset());
    const { run } = first.startRun({ datasetId: dataset.id, model: 'cnn' });
    const claimed = Date.parse(storesOf(first).runs.owners.owner(run.id)?.heartbeat ?? '');
    await eventually(() => {
      const beat = Date.parse(storesOf(first).runs.owners.owner(run.id)?.heartbeat ?? '');
      return beat > claimed + 2 * timing.staleMs ? beat : undefined;
    }, 'a heartbeat later than twice the stale limit');
    const second = open(dir, { ownership: timing });
    expect(storesOf(second).runs.get(run.id).status).toBe('queued');
  });

  it('cancels a run another lab trains through the run, and then lets it be resumed', async () => {
    const dir = tempDir();
    const timing = { heartbeatMs: 30, staleMs: 60_000 };
    const first = open(dir, { ownership: timing });
    const { dataset } = storesOf(first).datasets.add(syntheticDataset());
    const { run, job } = first.startRun({ datasetId: dataset.id, model: 'cnn' });
    const second = open(dir, { ownership: timing });
    expect(second.cancelRun(run.id).status).toBe('queued');
    await eventually(() => (storesOf(second).runs.get(run.id).status === 'cancelled' ? true : undefined), 'the cancel');
    expect(first.jobs.get(job.id).status).toBe('cancelled');
    expect(storesOf(second).runs.owners.owner(run.id)).toBeNull();
    expect(storesOf(second).runs.cancelRequested(run.id)).toBe(false);
    expect(second.resumeRun(run.id).run.status).toBe('queued');
    expect(() => first.cancelRun(999)).toThrow('no run with id 999');
  });

  it('deletes a run with its members, and refuses a member alone', async () => {
    const dir = tempDir();
    const lab = open(dir);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
    const ensemble = storesOf(lab).runs.createEnsemble({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: { ...defaultRunConfig('ensemble'), members: 2 },
    });
    storesOf(lab).runs.setStatus(ensemble.id, 'cancelled');
    const members = storesOf(lab).runs.members(ensemble.id);
    for (const member of members) storesOf(lab).runs.setStatus(member.id, 'cancelled');
    const memberFirst = await lab.dispatch('deleteRun', { id: members[0]?.id ?? 0 });
    expect(memberFirst).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining('delete the ensemble') },
    });
    const deleted = await lab.dispatch('deleteRun', { id: ensemble.id });
    expect(deleted).toEqual({ ok: true, value: { deleted: [ensemble.id, ...members.map((m) => m.id)] } });
    expect(storesOf(lab).runs.list()).toEqual([]);
  });

  it("fences a trainer's writes by its claim: once the run changes hands it writes nothing, in any of its writes", () => {
    const dir = tempDir();
    const owner = open(dir);
    const { dataset } = storesOf(owner).datasets.add(syntheticDataset());
    const run = storesOf(owner).runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('cnn'),
    });
    const lease = storesOf(owner).runs.owners.claim(run.id, { pid: 1, host: 'elsewhere' });
    const trainer = storesOf(owner).runs.fenced(lease.generation);
    trainer.markStarted(run.id, { backend: 'wasm', params: 1 });
    const metrics = { epoch: 1, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, seconds: 1, imagesPerSecond: 10 };
    const checkpoint = {
      epoch: 1,
      topology: {},
      weightSpecs: [],
      weights: new Uint8Array([1]),
      trainingConfig: null,
      state: null,
    };
    trainer.recordEpoch(run.id, metrics, { best: null, checkpoints: { last: checkpoint } });
    trainer.assertLease(run.id);

    // the owner goes silent; another process calls the run interrupted and takes it over
    storesOf(owner).db.prepare("UPDATE runs SET owner_heartbeat = '2000-01-01T00:00:00.000Z' WHERE id = ?").run(run.id);
    const taker = open(dir);
    expect(storesOf(taker).runs.get(run.id).status).toBe('interrupted');
    const taken = storesOf(taker).runs.owners.claim(run.id, { pid: process.pid, host: hostname() });
    expect(taken.generation).toBeGreaterThan(lease.generation);
    const before = {
      run: storesOf(taker).runs.get(run.id),
      epochs: storesOf(taker).runs.epochs(run.id),
      last: storesOf(taker).runs.checkpoint(run.id, 'last'),
    };
    const writes: [string, () => unknown][] = [
      ['a batch', () => trainer.assertLease(run.id)],
      ['start', () => trainer.markStarted(run.id, { backend: 'cpu', params: 2 })],
      [
        'epoch',
        () =>
          trainer.recordEpoch(
            run.id,
            { ...metrics, epoch: 2 },
            { best: { epoch: 2, valLoss: 0.1 }, checkpoints: { last: { ...checkpoint, epoch: 2 } } },
          ),
      ],
      ['checkpoint', () => trainer.saveCheckpoint(run.id, 'best', checkpoint)],
      ['status', () => trainer.setStatus(run.id, 'failed', 'late')],
      ['test scores', () => trainer.recordTest(run.id, { loss: 0, accuracy: 1 })],
      ['totals', () => trainer.recordEnsemble(run.id, { backend: null, params: 0, trainSeconds: 0, epochs: 0 })],
    ];
    for (const [what, write] of writes) {
      expect(write, what).toThrow(LeaseLostError);
      expect(write, what).toThrow(
        `run ${run.id} was taken over by another process (its claim ${lease.generation} is now ${taken.generation})`,
      );
    }
    expect({
      run: storesOf(taker).runs.get(run.id),
      epochs: storesOf(taker).runs.epochs(run.id),
      last: storesOf(taker).runs.checkpoint(run.id, 'last'),
    }).toEqual(before);
    expect(storesOf(taker).runs.checkpoint(run.id, 'best')).toBeNull();
    // the taker's own trainer writes; the old owner can neither refresh nor give up the run
    storesOf(taker).runs.fenced(taken.generation).setStatus(run.id, 'running');
    storesOf(owner).runs.owners.heartbeat([lease], { pid: 1, host: 'elsewhere' });
    storesOf(owner).runs.owners.release(lease);
    expect(storesOf(taker).runs.owners.owner(run.id)?.pid).toBe(process.pid);
    storesOf(taker).runs.owners.release(taken);
    expect(storesOf(taker).runs.owners.owner(run.id)).toBeNull();
    expect(() => storesOf(taker).runs.fenced(taken.generation).assertLease(run.id)).toThrow(LeaseLostError);
  });

  it('reads the stale limit from CASEBOOK_OWNER_STALE_SECONDS, with a heartbeat four times as often', () => {
    expect(ownershipTiming({})).toEqual({ heartbeatMs: 5_000, staleMs: 60_000 });
    expect(ownershipTiming({ CASEBOOK_OWNER_STALE_SECONDS: '2' })).toEqual({ heartbeatMs: 500, staleMs: 2_000 });
    expect(ownershipTiming({ CASEBOOK_OWNER_STALE_SECONDS: '600' })).toEqual({ heartbeatMs: 5_000, staleMs: 600_000 });
    expect(() => ownershipTiming({ CASEBOOK_OWNER_STALE_SECONDS: 'soon' })).toThrow(
      'CASEBOOK_OWNER_STALE_SECONDS must be a positive number of seconds, not "soon"',
    );
  });
});
