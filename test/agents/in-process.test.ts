/**
 * The agents' queue with an agent in this process (the child-process sweep is agents-sweep.test.ts):
 * a run trained by an agent is recorded by the app, once, and is the run the local worker trains.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../src/main/lab/agents/agent';
import { Queue, QueueEvents } from 'bullmq';
import { AgentQueue, connect } from '../../src/main/lab/agents/queue';
import { JOBS_QUEUE, resultsQueueName } from '../../src/main/lab/agents/keys';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { syntheticDataset } from '../helpers/synthetic';
import { storesOf, tempDir } from '../helpers/lab';
import { queueUrlOf, REDIS_MISSING, redisServer, startRedis, type TestRedis } from '../helpers/redis';

const missing = redisServer() === null;
if (missing) console.warn(REDIS_MISSING);

// dropout 0: the CNN's dropout masks come from TensorFlow.js's unseeded generator, so that even two local
// runs of one seed differ with it; without it, a seed fixes every number of the training
const CONFIG = { model: 'cnn' as const, epochs: 2, batchSize: 50, seed: 7, dropout: 0 };

describe.skipIf(missing)('training on an agent in this process', () => {
  let redis: TestRedis;
  const open: { close: () => unknown }[] = [];
  const agents: RunningAgent[] = [];
  beforeAll(async () => {
    process.env.CASEBOOK_TRAIN_THREADS = '1';
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) await agent.stop();
    for (const thing of open.splice(0)) await thing.close();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const url = () => queueUrlOf(redis);

  async function queueLab(databasePath: string): Promise<Lab> {
    const queue = await AgentQueue.open({ url: url(), databasePath });
    const lab = new Lab({
      databasePath,
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      emit: () => undefined,
      autoEvaluate: false,
      agents: queue,
    });
    open.push({ close: () => lab.shutdown() });
    return lab;
  }

  it('records every epoch once, names the agent, and trains exactly as the local worker does', async () => {
    const dir = tempDir();
    const lab = await queueLab(join(dir, 'study.db'));
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 100, test: 20 }));
    agents.push(await startAgent({ url: url(), name: 'box-1', cacheDir: join(dir, 'cache'), log: () => undefined }));
    const { run, job } = lab.startRun({ datasetId: dataset.id, ...CONFIG });
    const finished = await lab.jobs.finished(job.id);
    expect(finished.job).toMatchObject({ status: 'done', error: null });
    const remote = storesOf(lab).runs.get(run.id);
    expect(remote).toMatchObject({ status: 'done', agent: 'box-1', epochsDone: 2 });
    const remoteEpochs = storesOf(lab).runs.epochs(run.id);
    expect(remoteEpochs.map((e) => e.epoch)).toEqual([1, 2]);

    const local = new Lab({
      databasePath: join(dir, 'local.db'),
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      emit: () => undefined,
      autoEvaluate: false,
    });
    open.push(local);
    const localDataset = storesOf(local).datasets.add(syntheticDataset({ train: 100, test: 20 })).dataset;
    const started = local.startRun({ datasetId: localDataset.id, ...CONFIG });
    expect((await local.jobs.finished(started.job.id)).job.status).toBe('done');
    const localRun = storesOf(local).runs.get(started.run.id);
    expect(localRun.agent).toBeNull();
    const strip = (e: { loss: number; accuracy: number; valLoss: number | null; valAccuracy: number | null }) => ({
      loss: e.loss,
      accuracy: e.accuracy,
      valLoss: e.valLoss,
      valAccuracy: e.valAccuracy,
    });
    expect(remoteEpochs.map(strip)).toEqual(storesOf(local).runs.epochs(localRun.id).map(strip));
    expect(remote.testLoss).toBe(localRun.testLoss);
    expect(Buffer.from(storesOf(lab).runs.checkpoint(run.id, 'last')!.weights)).toEqual(
      Buffer.from(storesOf(local).runs.checkpoint(localRun.id, 'last')!.weights),
    );

    // the evaluation (queued first) and the explanation go to the agent too, each recorded once
    const explained = lab.explain({ id: run.id });
    expect((await lab.jobs.finished(explained.id)).job).toMatchObject({ status: 'done', error: null });
    expect(lab.jobs.list().filter((j) => j.kind === 'evaluate' && j.status === 'done')).toHaveLength(1);
    const evaluation = storesOf(lab).evaluations.current(run.id)!;
    expect(storesOf(lab).evaluations.predictionCount(evaluation.id)).toBe(60);
    expect(storesOf(lab).explanations.shown(run.id)).not.toBeNull();
    expect(
      storesOf(lab).explanations.images(storesOf(lab).explanations.shown(run.id)!.id, {
        order: 'index',
        offset: 0,
        limit: 100,
      }).total,
    ).toBe(60);
    const localExplained = local.explain({ id: localRun.id });
    expect((await local.jobs.finished(localExplained.id)).job.status).toBe('done');
    expect(evaluation.metrics.accuracy).toBe(storesOf(local).evaluations.current(localRun.id)!.metrics.accuracy);
    expect(storesOf(lab).explanations.shown(run.id)!.summary.images).toBe(
      storesOf(local).explanations.shown(localRun.id)!.summary.images,
    );

    // a background test and the features run on the local worker (an agent would refuse them);
    // the test waits for the evaluation the agent is still running, not the one recorded before
    const again = lab.evaluate(run.id);
    const background = lab.backgroundTest({ id: run.id });
    const features = lab.computeFeatures(run.id);
    expect((await lab.jobs.finished(background.id)).job).toMatchObject({ status: 'done', error: null });
    expect((await lab.jobs.finished(features.id)).job).toMatchObject({ status: 'done', error: null });
    expect((await lab.jobs.finished(again.id)).job.status).toBe('done');
    const newest = storesOf(lab).evaluations.current(run.id)!;
    expect(newest.id).not.toBe(evaluation.id);
    expect(storesOf(lab).background.current(run.id)!.summary.evaluationId).toBe(newest.id);
    expect(
      storesOf(lab)
        .features.info(run.id)
        .map((f) => f.split)
        .sort(),
    ).toEqual(['test', 'train']);
  }, 180_000);
});

describe.skipIf(missing)('cancel, resume, failures and a lost connection on an agent', () => {
  let redis: TestRedis;
  let dir: string;
  const open: { close: () => unknown }[] = [];
  const agents: RunningAgent[] = [];
  beforeAll(async () => {
    process.env.CASEBOOK_TRAIN_THREADS = '1';
    redis = await startRedis();
    dir = tempDir();
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) await agent.stop();
    for (const thing of open.splice(0)) await thing.close();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  const url = () => queueUrlOf(redis);
  async function setup(name: string, events: string[] = []) {
    const databasePath = join(dir, `${name}.db`);
    const lab = new Lab({
      databasePath,
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      emit: (event, payload) => {
        if (event === 'runUpdated') {
          const { epoch } = payload as { epoch: { epoch: number } | null };
          if (epoch) events.push(`epoch ${epoch.epoch}`);
        }
      },
      autoEvaluate: false,
      agents: await AgentQueue.open({ url: url(), databasePath }),
    });
    open.push({ close: () => lab.shutdown() });
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 100, test: 20 }));
    return { lab, dataset };
  }
  const until = (test: () => boolean) =>
    new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (test()) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });

  it('cancels a run an agent trains, then resumes it on the agent from its recorded epochs', async () => {
    const events: string[] = [];
    const { lab, dataset } = await setup('cancel', events);
    agents.push(await startAgent({ url: url(), name: 'box', cacheDir: join(dir, 'cache'), log: () => undefined }));
    const { run, job } = lab.startRun({ datasetId: dataset.id, ...CONFIG, epochs: 8 });
    await until(() => events.includes('epoch 1'));
    lab.cancelRun(run.id);
    expect((await lab.jobs.finished(job.id)).job.status).toBe('cancelled');
    const cancelled = storesOf(lab).runs.get(run.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.epochsDone).toBeGreaterThanOrEqual(1);
    const resumed = lab.resumeRun(run.id);
    expect((await lab.jobs.finished(resumed.job.id)).job.status).toBe('done');
    expect(
      storesOf(lab)
        .runs.epochs(run.id)
        .map((e) => e.epoch),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(storesOf(lab).runs.get(run.id)).toMatchObject({ status: 'done', agent: 'box' });
  }, 180_000);

  it('trains a deep ensemble on an agent: its members recorded as runs, its totals from them', async () => {
    const { lab, dataset } = await setup('ensemble');
    agents.push(await startAgent({ url: url(), name: 'box', cacheDir: join(dir, 'cache'), log: () => undefined }));
    const { run, job } = lab.startRun({ datasetId: dataset.id, ...CONFIG, model: 'ensemble', members: 2, epochs: 1 });
    expect((await lab.jobs.finished(job.id)).job).toMatchObject({ status: 'done', error: null });
    const members = storesOf(lab).runs.members(run.id);
    expect(members.map((m) => [m.status, m.epochsDone, m.agent])).toEqual([
      ['done', 1, 'box'],
      ['done', 1, 'box'],
    ]);
    const ensemble = storesOf(lab).runs.get(run.id);
    expect(ensemble).toMatchObject({ status: 'done', epochsDone: 2, agent: 'box' });
    expect(ensemble.trainSeconds).toBeCloseTo(members[0]!.trainSeconds + members[1]!.trainSeconds, 6);
    expect(ensemble.testAccuracy).not.toBeNull();
  }, 180_000);

  it('an agent started with once takes one job and stops', async () => {
    const { lab, dataset } = await setup('once');
    const first = lab.startRun({ datasetId: dataset.id, ...CONFIG, epochs: 1 });
    const second = lab.startRun({ datasetId: dataset.id, ...CONFIG, epochs: 1, seed: 8 });
    const agent = await startAgent({
      url: url(),
      name: 'one-shot',
      once: true,
      cacheDir: join(dir, 'cache'),
      log: () => undefined,
    });
    agents.push(agent);
    await agent.stopped;
    expect((await lab.jobs.finished(first.job.id)).job.status).toBe('done');
    expect(storesOf(lab).runs.get(second.run.id).status).toBe('queued');
  }, 180_000);

  it('fails a job that failed twice with both reasons, and carries on after the connection to Redis is cut', async () => {
    const { lab, dataset } = await setup('faults');
    const { run, job } = lab.startRun({ datasetId: dataset.id, ...CONFIG, epochs: 1 });
    // the dataset's only chunk goes missing before an agent takes the job
    const probe = connect(url());
    while ((await probe.exists(`casebook:dataset:${dataset.contentHash}:meta`)) === 0)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await probe.del(`casebook:dataset:${dataset.contentHash}:0`);
    agents.push(await startAgent({ url: url(), name: 'box-a', cacheDir: join(dir, 'cache-a'), log: () => undefined }));
    const failed = await lab.jobs.finished(job.id);
    expect(failed.job.status).toBe('failed');
    expect(failed.job.error).toMatch(
      /^failed on the agents: box-a: dataset [0-9a-f]{12}…: chunk 1 of 1 is missing in Redis; box-a: dataset [0-9a-f]{12}…: chunk 1 of 1 is missing in Redis$/,
    );
    expect(storesOf(lab).runs.get(run.id)).toMatchObject({ status: 'failed', epochsDone: 0 });

    // a new run; every client connection is cut while the agent trains it: both sides reconnect
    const events: string[] = [];
    const second = await setup('reconnect', events);
    const started = second.lab.startRun({ datasetId: second.dataset.id, ...CONFIG, epochs: 3 });
    await until(() => events.includes('epoch 1'));
    await probe.call('CLIENT', 'KILL', 'TYPE', 'normal');
    expect((await second.lab.jobs.finished(started.job.id)).job.status).toBe('done');
    expect(
      storesOf(second.lab)
        .runs.epochs(started.run.id)
        .map((e) => e.epoch),
    ).toEqual([1, 2, 3]);
    probe.disconnect();
  }, 180_000);
});

describe.skipIf(missing)('refusing what does not belong on the queue', () => {
  let redis: TestRedis;
  let lab: Lab;
  let agent: RunningAgent;
  let queue: Queue;
  let events: QueueEvents;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    dir = tempDir();
    const databasePath = join(dir, 'study.db');
    lab = new Lab({
      databasePath,
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      emit: () => undefined,
      autoEvaluate: false,
      agents: await AgentQueue.open({ url: queueUrlOf(redis), databasePath, maxResultBytes: 10_000 }),
    });
    const connection = { host: '127.0.0.1', port: redis.port, password: redis.password };
    queue = new Queue(JOBS_QUEUE, { connection });
    events = new QueueEvents(JOBS_QUEUE, { connection });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await agent?.stop();
    await lab?.shutdown();
    await events?.close();
    await queue?.close();
    await redis?.stop();
  });

  it('an agent refuses a malformed or oversized job, naming the problem, and sends nothing back', async () => {
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 4, test: 2 }));
    const study = resultsQueueName(join(dir, 'study.db'));
    agent = await startAgent({
      url: queueUrlOf(redis),
      name: 'strict',
      cacheDir: join(dir, 'cache'),
      log: () => undefined,
    });
    const good = {
      v: 1,
      kind: 'train',
      key: 'train-1-1',
      runId: 1,
      lease: 1,
      datasetHash: dataset.contentHash,
      replyTo: study,
      reasons: [],
    };
    const malformed = await queue.add('train', { ...good, command: 'rm -rf ~', replyTo: '/tmp/x' });
    await expect(malformed.waitUntilFinished(events)).rejects.toThrow(
      /job \d+ refused: .*replyTo: not a Casebook results queue/,
    );
    const wrongKind = await queue.add('train', { ...good, kind: 'shell' });
    await expect(wrongKind.waitUntilFinished(events)).rejects.toThrow(/job \d+ refused: kind: /);
    const oversized = await queue.add('train', { ...good, reasons: ['x'.repeat(70_000)] });
    await expect(oversized.waitUntilFinished(events)).rejects.toThrow(
      /job \d+ refused: 70\d\d\d bytes is over the limit of 65536/,
    );
    const results = new Queue(study, { connection: { host: '127.0.0.1', port: redis.port, password: redis.password } });
    expect(await results.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0 });
    await results.close();
  });

  it('the app refuses a malformed or oversized result, naming the problem, and records nothing', async () => {
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 4, test: 2, seed: 9 }));
    await agent?.stop(); // the job stays on the queue: its run stays queued
    const { run } = lab.startRun({ datasetId: dataset.id, model: 'cnn', epochs: 1 });
    const lease = storesOf(lab).runs.owners.generation(run.id)!;
    const key = `train-${run.id}-${lease}`;
    const study = resultsQueueName(join(dir, 'study.db'));
    const connection = { host: '127.0.0.1', port: redis.port, password: redis.password };
    const results = new Queue(study, { connection });
    const resultEvents = new QueueEvents(study, { connection });
    await resultEvents.waitUntilReady();
    const metrics = {
      epoch: 1,
      loss: 'low',
      accuracy: 0.5,
      valLoss: 1,
      valAccuracy: 0.5,
      seconds: 1,
      imagesPerSecond: 1,
    };
    const malformed = await results.add('write', {
      v: 1,
      type: 'write',
      key,
      lease,
      write: { op: 'epoch', runId: run.id, metrics, best: null, checkpoints: {} },
    });
    await expect(malformed.waitUntilFinished(resultEvents)).rejects.toThrow(
      /result \d+ refused: write\.metrics\.loss: Invalid input: expected number, received string; nothing recorded/,
    );
    const progress = { phase: 'x'.repeat(20_000), done: 0, total: 1, unit: 'steps' };
    const oversized = await results.add('progress', {
      v: 1,
      type: 'progress',
      key,
      lease,
      agent: 'a',
      progress,
      run: null,
    });
    await expect(oversized.waitUntilFinished(resultEvents)).rejects.toThrow(
      /result \d+ refused: 20\d\d\d bytes is over the limit of 10000 bytes; nothing recorded/,
    );
    // a well-formed epoch of another claim is refused too: the run's claim is its job's
    const stale = await results.add('write', {
      v: 1,
      type: 'write',
      key,
      lease: lease + 1,
      write: { op: 'epoch', runId: run.id, metrics: { ...metrics, loss: 1 }, best: null, checkpoints: {} },
    });
    await expect(stale.waitUntilFinished(resultEvents)).rejects.toThrow(/refused: its claim \d+ is not its job's/);
    expect(storesOf(lab).runs.epochs(run.id)).toEqual([]);
    expect(storesOf(lab).runs.get(run.id)).toMatchObject({ status: 'queued', epochsDone: 0, agent: null });
    await resultEvents.close();
    await results.close();
  });
});
