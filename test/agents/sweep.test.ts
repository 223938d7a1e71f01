/**
 * Two agents in child processes (`casebook agent`), one app (a Lab with `agents`): a sweep of four
 * runs, an agent killed mid-epoch, and the app closed while an agent finishes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../src/shared/contract';
import { AgentQueue } from '../../src/main/lab/agents/queue';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import { openDatabase } from '../../src/main/lab/store/database';
import { RunStore } from '../../src/main/lab/store/runs';
import { syntheticDataset } from '../helpers/synthetic';
import { storesOf, tempDir } from '../helpers/lab';
import { CASEBOOK_BIN, ensureBuilt } from '../helpers/runs';
import { queueUrlOf, REDIS_MISSING, redisServer, startRedis, type TestRedis } from '../helpers/redis';

const missing = redisServer() === null;
if (missing) console.warn(REDIS_MISSING);

// dropout 0: the CNN's dropout masks come from TensorFlow.js's unseeded generator (see in-process.test.ts)
const TINY = { model: 'cnn' as const, epochs: 1, batchSize: 50, dropout: 0 };

interface AgentProcess {
  name: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves when the agent's stderr has printed `text`. */
  said: (text: string | RegExp) => Promise<void>;
}

describe.skipIf(missing)('agents in child processes', () => {
  let redis: TestRedis;
  let dir: string;
  const agents: AgentProcess[] = [];
  const labs: Lab[] = [];
  beforeAll(async () => {
    ensureBuilt();
    redis = await startRedis();
    dir = tempDir();
    await Promise.all([startAgentProcess('agent-1'), startAgentProcess('agent-2')]);
  }, 300_000);
  afterEach(async () => {
    for (const lab of labs.splice(0)) await lab.shutdown();
  });
  afterAll(async () => {
    for (const agent of agents) agent.child.kill('SIGKILL');
    await redis?.stop();
  });

  function startAgentProcess(name: string): Promise<AgentProcess> {
    const child = spawn(
      process.execPath,
      [CASEBOOK_BIN, 'agent', '--queue', redis.url, '--name', name, '--cache', join(dir, `cache-${name}`)],
      {
        env: { ...process.env, CASEBOOK_TRAIN_THREADS: '1', CASEBOOK_AGENT_LOCK_SECONDS: '2' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let text = '';
    const waiting: { test: string | RegExp; resolve: () => void }[] = [];
    const check = () => {
      for (const w of [...waiting])
        if (typeof w.test === 'string' ? text.includes(w.test) : w.test.test(text)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve();
        }
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      check();
    });
    const agent: AgentProcess = {
      name,
      child,
      output: () => text,
      said: (test) =>
        new Promise<void>((resolve, reject) => {
          waiting.push({ test, resolve });
          child.once('exit', (code) =>
            reject(new Error(`agent ${name} exited (${code}) before saying ${test}: ${text}`)),
          );
          check();
        }),
    };
    agents.push(agent);
    return agent.said('serving').then(() => agent);
  }

  async function queueLab(
    databasePath: string,
    events: { name: EventName; payload: EventPayload<EventName> }[] = [],
  ): Promise<Lab> {
    const lab = new Lab({
      databasePath,
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      emit: (name, payload) => events.push({ name, payload }),
      autoEvaluate: false,
      agents: await AgentQueue.open({ url: queueUrlOf(redis), databasePath }),
    });
    labs.push(lab);
    return lab;
  }

  it('trains a sweep of four runs on two agents, each recorded once, one identical to local training', async () => {
    const [a1, a2] = agents;
    const lab = await queueLab(join(dir, 'sweep.db'));
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 100, test: 20 }));
    const { runs, jobs } = lab.startRuns({ datasetId: dataset.id, ...TINY, seed: 11, seeds: 4 });
    const finished = await Promise.all(jobs.map((job) => lab.jobs.finished(job.id)));
    expect(finished.map((f) => f.job.status)).toEqual(['done', 'done', 'done', 'done']);
    const trained = runs.map((run) => storesOf(lab).runs.get(run.id));
    for (const run of trained) {
      expect(run).toMatchObject({ status: 'done', epochsDone: 1 });
      expect(
        storesOf(lab)
          .runs.epochs(run.id)
          .map((e) => e.epoch),
      ).toEqual([1]);
    }
    // both agents trained: each names its runs
    expect(new Set(trained.map((run) => run.agent))).toEqual(new Set([a1!.name, a2!.name]));
    // each agent fetched the dataset once
    for (const agent of [a1!, a2!]) expect(agent.output().match(/fetched dataset/g)).toHaveLength(1);
    // then each run's evaluation and explanation, on the agents too, each recorded once
    const explained = runs.map((run) => lab.explain({ id: run.id }));
    const analysed = await Promise.all(explained.map((job) => lab.jobs.finished(job.id)));
    expect(analysed.map((f) => f.job.status)).toEqual(['done', 'done', 'done', 'done']);
    const count = (table: string, id: number) =>
      storesOf(lab).db.prepare(`SELECT count(*) FROM ${table} WHERE run_id = ?`).pluck().get(id);
    for (const run of runs) {
      expect(count('evaluations', run.id)).toBe(1);
      expect(count('explanations', run.id)).toBe(1);
    }
    expect(a1!.output() + a2!.output()).toMatch(/finished explain-/);

    const local = new Lab({
      databasePath: join(dir, 'local.db'),
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      emit: () => undefined,
      autoEvaluate: false,
    });
    labs.push(local);
    const localDataset = storesOf(local).datasets.add(syntheticDataset({ train: 100, test: 20 })).dataset;
    const started = local.startRun({ datasetId: localDataset.id, ...TINY, seed: 11 });
    expect((await local.jobs.finished(started.job.id)).job.status).toBe('done');
    const first = trained.find((run) => run.config.seed === 11)!;
    const numbers = (e: { loss: number; accuracy: number; valLoss: number | null }) => [e.loss, e.accuracy, e.valLoss];
    expect(storesOf(lab).runs.epochs(first.id).map(numbers)).toEqual(
      storesOf(local).runs.epochs(started.run.id).map(numbers),
    );
    expect(first.testAccuracy).toBe(storesOf(local).runs.get(started.run.id).testAccuracy);
    expect(Buffer.from(storesOf(lab).runs.checkpoint(first.id, 'best')!.weights)).toEqual(
      Buffer.from(storesOf(local).runs.checkpoint(started.run.id, 'best')!.weights),
    );
  }, 300_000);

  it('resumes a run whose agent was killed mid-epoch on the other agent, from its last recorded epoch', async () => {
    const events: { name: EventName; payload: EventPayload<EventName> }[] = [];
    const lab = await queueLab(join(dir, 'killed.db'), events);
    const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 100, test: 20 }));
    const { run, job } = lab.startRun({ datasetId: dataset.id, ...TINY, epochs: 4, seed: 3 });
    const firstEpoch = await new Promise<{ agent: string; seconds: number }>((resolve) => {
      const timer = setInterval(() => {
        const recorded = events.find(
          (e) => e.name === 'runUpdated' && (e.payload as EventPayload<'runUpdated'>).epoch?.epoch === 1,
        );
        if (recorded) {
          clearInterval(timer);
          const updated = (recorded.payload as EventPayload<'runUpdated'>).run;
          resolve({ agent: updated.agent ?? '', seconds: storesOf(lab).runs.epochs(run.id)[0]!.seconds });
        }
      }, 20);
    });
    const victim = agents.find((a) => a.name === firstEpoch.agent && a.child.exitCode === null)!;
    const survivor = agents.find((a) => a.name !== firstEpoch.agent && a.child.exitCode === null)!;
    victim.child.kill('SIGKILL');
    expect((await lab.jobs.finished(job.id)).job).toMatchObject({ status: 'done', error: null });
    const epochs = storesOf(lab).runs.epochs(run.id);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(epochs[0]!.seconds).toBe(firstEpoch.seconds);
    expect(storesOf(lab).runs.get(run.id)).toMatchObject({ status: 'done', agent: survivor.name, epochsDone: 4 });
    expect(survivor.output()).toMatch(
      new RegExp(`took train-${run.id}-\\d+ \\(attempt 1\\), resuming after the [1-3] epoch`),
    );
    // the killed agent comes back for the next test
    const index = agents.indexOf(victim);
    agents.splice(index, 1);
    await startAgentProcess(victim.name);
  }, 300_000);

  it('records what an agent finished while the app was closed, when it opens again', async () => {
    const path = join(dir, 'closed.db');
    const events: { name: EventName; payload: EventPayload<EventName> }[] = [];
    const first = await queueLab(path, events);
    const { dataset } = storesOf(first).datasets.add(syntheticDataset({ train: 100, test: 20 }));
    const { run } = first.startRun({ datasetId: dataset.id, ...TINY, epochs: 3, seed: 5 });
    const agent = await new Promise<string>((resolve) => {
      const timer = setInterval(() => {
        const named = events.find(
          (e) => e.name === 'runUpdated' && (e.payload as EventPayload<'runUpdated'>).epoch?.epoch === 1,
        );
        if (named) {
          clearInterval(timer);
          resolve((named.payload as EventPayload<'runUpdated'>).run.agent!);
        }
      }, 20);
    });
    await first.shutdown();
    labs.splice(labs.indexOf(first), 1);
    const closed = openDatabase(path, { readonly: true });
    // closed while training: the run stays running, with its progress
    expect(new RunStore(closed).get(run.id)).toMatchObject({ status: 'running', epochsDone: 1, agent });
    closed.close();
    const trainer = agents.find((a) => a.name === agent && a.child.exitCode === null)!;
    await trainer.said(`finished train-${run.id}-`);

    const second = await queueLab(path);
    // adopted: still running, its job open again
    expect(storesOf(second).runs.get(run.id).status).not.toBe('interrupted');
    const job = second.jobs.list().find((j) => j.kind === 'train')!;
    expect((await second.jobs.finished(job.id)).job.status).toBe('done');
    expect(
      storesOf(second)
        .runs.epochs(run.id)
        .map((e) => e.epoch),
    ).toEqual([1, 2, 3]);
    expect(storesOf(second).runs.get(run.id)).toMatchObject({ status: 'done', agent, epochsDone: 3 });
  }, 300_000);
});
