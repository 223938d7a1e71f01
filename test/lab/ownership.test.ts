import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import type { Lab } from '../../src/main/lab/lab';
import { syntheticDataset } from '../helpers/synthetic';
import { tempDir } from '../helpers/lab';
import { deadPid, eventually, labOn } from '../helpers/runs';

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
  const { dataset } = lab.datasets.add(syntheticDataset());
  const run = lab.runs.create({
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    config: defaultRunConfig('cnn'),
  });
  lab.db
    .prepare('UPDATE runs SET status = ?, owner_pid = ?, owner_host = ?, owner_heartbeat = ? WHERE id = ?')
    .run(status, owner?.pid ?? null, owner?.host ?? null, owner?.heartbeat ?? null, run.id);
  return run;
}

describe('run ownership across processes sharing a database', () => {
  it('a second lab leaves a run the first has claimed alone, and refuses to resume or delete it', async () => {
    const dir = tempDir();
    const first = open(dir);
    const { dataset } = first.datasets.add(syntheticDataset());
    const { run } = first.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1 });
    expect(first.runs.owners.owner(run.id)).toMatchObject({ pid: process.pid, host: hostname() });

    // queued and claimed
    const second = open(dir);
    expect(second.runs.get(run.id).status).toBe('queued');
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
    first.runs.markStarted(run.id, { backend: 'wasm', params: 1 });
    const third = open(dir);
    expect(third.runs.get(run.id).status).toBe('running');
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
    expect([dead, silent, remote, unowned, live].map((run) => lab.runs.get(run.id).status)).toEqual([
      'interrupted',
      'interrupted',
      'running',
      'interrupted',
      'running',
    ]);
    expect(lab.runs.get(dead.id).error).toBe('the process training this run stopped');
    expect(lab.runs.owners.owner(dead.id)).toBeNull();
    // an interrupted run is resumable by anyone
    expect(lab.resumeRun(dead.id).run.status).toBe('queued');
    expect(lab.runs.owners.owner(dead.id)?.pid).toBe(process.pid);
  });

  it('keeps a claimed run alive past the stale limit with heartbeats', async () => {
    const dir = tempDir();
    const timing = { heartbeatMs: 30, staleMs: 300 };
    const first = open(dir, { ownership: timing });
    const { dataset } = first.datasets.add(syntheticDataset());
    const { run } = first.startRun({ datasetId: dataset.id, model: 'cnn' });
    const claimed = Date.parse(first.runs.owners.owner(run.id)?.heartbeat ?? '');
    await eventually(() => {
      const beat = Date.parse(first.runs.owners.owner(run.id)?.heartbeat ?? '');
      return beat > claimed + 2 * timing.staleMs ? beat : undefined;
    }, 'a heartbeat later than twice the stale limit');
    const second = open(dir, { ownership: timing });
    expect(second.runs.get(run.id).status).toBe('queued');
  });

  it('cancels a run another lab trains through the run, and then lets it be resumed', async () => {
    const dir = tempDir();
    const timing = { heartbeatMs: 30, staleMs: 60_000 };
    const first = open(dir, { ownership: timing });
    const { dataset } = first.datasets.add(syntheticDataset());
    const { run, job } = first.startRun({ datasetId: dataset.id, model: 'cnn' });
    const second = open(dir, { ownership: timing });
    expect(second.cancelRun(run.id).status).toBe('queued');
    await eventually(() => (second.runs.get(run.id).status === 'cancelled' ? true : undefined), 'the cancel');
    expect(first.jobs.get(job.id).status).toBe('cancelled');
    expect(second.runs.owners.owner(run.id)).toBeNull();
    expect(second.runs.cancelRequested(run.id)).toBe(false);
    expect(second.resumeRun(run.id).run.status).toBe('queued');
    expect(() => first.cancelRun(999)).toThrow('no run with id 999');
  });

  it('deletes a run with its members, and refuses a member alone', async () => {
    const dir = tempDir();
    const lab = open(dir);
    const { dataset } = lab.datasets.add(syntheticDataset());
    const ensemble = lab.runs.createEnsemble({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: { ...defaultRunConfig('ensemble'), members: 2 },
    });
    lab.runs.setStatus(ensemble.id, 'cancelled');
    const members = lab.runs.members(ensemble.id);
    for (const member of members) lab.runs.setStatus(member.id, 'cancelled');
    const memberFirst = await lab.dispatch('deleteRun', { id: members[0]?.id ?? 0 });
    expect(memberFirst).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringContaining('delete the ensemble') },
    });
    const deleted = await lab.dispatch('deleteRun', { id: ensemble.id });
    expect(deleted).toEqual({ ok: true, value: { deleted: [ensemble.id, ...members.map((m) => m.id)] } });
    expect(lab.runs.list()).toEqual([]);
  });
});
