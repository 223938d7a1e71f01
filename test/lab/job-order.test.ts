/** JobManager's `after`: a job waits for another to end, even when that one runs elsewhere (an agent). */
import { describe, expect, it } from 'vitest';
import { JobManager, type WorkerHandle, type WorkerLauncher } from '../../src/main/lab/jobs/manager';
import type { JobSpec, ToWorker } from '../../src/main/lab/jobs/protocol';

/** A launcher whose workers only record the jobs posted to them; `finish` ends one. */
function recordingLauncher(): { launch: WorkerLauncher; posted: JobSpec[]; finish: (kind: JobSpec['kind']) => void } {
  const posted: JobSpec[] = [];
  const running = new Map<JobSpec['kind'], { jobId: string; reply: (message: unknown) => void }>();
  const launch: WorkerLauncher = () => {
    let reply: (message: unknown) => void = () => undefined;
    const handle: WorkerHandle = {
      post: (message: ToWorker) => {
        if (message.type !== 'run') return;
        posted.push(message.job);
        running.set(message.job.kind, { jobId: message.jobId, reply: (m) => reply(m) });
      },
      onMessage: (listener) => {
        reply = listener;
      },
      onExit: () => undefined,
      kill: () => undefined,
    };
    return handle;
  };
  const finish = (kind: JobSpec['kind']) => {
    const job = running.get(kind);
    if (!job) throw new Error(`no ${kind} job is running`);
    job.reply({ type: 'done', jobId: job.jobId, result: null });
  };
  return { launch, posted, finish };
}

describe('JobManager: a job queued after another', () => {
  it("starts a local background test only once an agent's evaluation has ended", async () => {
    const local = recordingLauncher();
    const agents = recordingLauncher();
    const jobs = new JobManager({
      databasePath: ':memory:',
      launch: local.launch,
      emit: () => undefined,
      remote: { is: (spec) => spec.kind === 'evaluate', launch: agents.launch },
    });
    const evaluation = jobs.start({ kind: 'evaluate', runId: 1 }, 'Evaluate run 1', { next: true });
    const features = jobs.start({ kind: 'features', runId: 1 }, 'Features of run 1', { next: true });
    const background = jobs.start({ kind: 'background', request: { id: 1 } }, 'Background test of run 1', {
      next: true,
      after: evaluation.id,
    });
    expect(agents.posted.map((job) => job.kind)).toEqual(['evaluate']);
    // the features do not need the evaluation: they start at once, on the local worker
    expect(local.posted.map((job) => job.kind)).toEqual(['features']);
    local.finish('features');
    await jobs.finished(features.id);
    expect(jobs.get(background.id).status).toBe('queued');
    expect(local.posted.map((job) => job.kind)).toEqual(['features']);
    agents.finish('evaluate');
    await jobs.finished(evaluation.id);
    expect(jobs.get(background.id).status).toBe('running');
    expect(local.posted.map((job) => job.kind)).toEqual(['features', 'background']);
  });

  it('does not wait for a job it does not know', () => {
    const local = recordingLauncher();
    const jobs = new JobManager({ databasePath: ':memory:', launch: local.launch, emit: () => undefined });
    const features = jobs.start({ kind: 'features', runId: 2 }, 'Features of run 2', { after: 'no-such-job' });
    expect(jobs.get(features.id).status).toBe('running');
    expect(local.posted.map((job) => job.kind)).toEqual(['features']);
  });
});
