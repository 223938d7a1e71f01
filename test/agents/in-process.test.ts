/**
 * The agents' queue with an agent in this process (the child-process sweep is agents-sweep.test.ts):
 * a run trained by an agent is recorded by the app, once, and is the run the local worker trains.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../src/main/lab/agents/agent';
import { AgentQueue } from '../../src/main/lab/agents/queue';
import { checkQueueUrl } from '../../src/main/lab/agents/url';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { syntheticDataset } from '../helpers/synthetic';
import { tempDir } from '../helpers/lab';
import { REDIS_MISSING, redisServer, startRedis, type TestRedis } from '../helpers/redis';

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

  const url = () => {
    const checked = checkQueueUrl(redis.url);
    if (!checked.ok) throw new Error(checked.error);
    return checked.value;
  };

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
    const { dataset } = lab.datasets.add(syntheticDataset({ train: 100, test: 20 }));
    agents.push(await startAgent({ url: url(), name: 'box-1', cacheDir: join(dir, 'cache'), log: () => undefined }));
    const { run, job } = lab.startRun({ datasetId: dataset.id, ...CONFIG });
    const finished = await lab.jobs.finished(job.id);
    expect(finished.job).toMatchObject({ status: 'done', error: null });
    const remote = lab.runs.get(run.id);
    expect(remote).toMatchObject({ status: 'done', agent: 'box-1', epochsDone: 2 });
    const remoteEpochs = lab.runs.epochs(run.id);
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
    const localDataset = local.datasets.add(syntheticDataset({ train: 100, test: 20 })).dataset;
    const started = local.startRun({ datasetId: localDataset.id, ...CONFIG });
    expect((await local.jobs.finished(started.job.id)).job.status).toBe('done');
    const localRun = local.runs.get(started.run.id);
    expect(localRun.agent).toBeNull();
    const strip = (e: { loss: number; accuracy: number; valLoss: number | null; valAccuracy: number | null }) => ({
      loss: e.loss,
      accuracy: e.accuracy,
      valLoss: e.valLoss,
      valAccuracy: e.valAccuracy,
    });
    expect(remoteEpochs.map(strip)).toEqual(local.runs.epochs(localRun.id).map(strip));
    expect(remote.testLoss).toBe(localRun.testLoss);
    expect(Buffer.from(lab.runs.checkpoint(run.id, 'last')!.weights)).toEqual(
      Buffer.from(local.runs.checkpoint(localRun.id, 'last')!.weights),
    );
  }, 120_000);
});
