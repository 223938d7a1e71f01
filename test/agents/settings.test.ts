/**
 * Settings → "Train on agents": a Lab started without agents connects to a queue at run time (a
 * test redis-server, a real agent in a child process), trains through it, disconnects back to the
 * local worker, and remembers the choice beside the study (never in it) for the next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentsStatus } from '../../src/shared/contract';
import { agentNames } from '../../src/main/lab/agents/queue';
import { loadSavedAgents, saveAgents, settingsFile, startAgents } from '../../src/main/lab/agents/settings';
import { inProcessLauncher, type WorkerLauncher } from '../../src/main/lab/jobs/manager';
import { Lab, type LabOptions } from '../../src/main/lab/lab';
import { syntheticDataset } from '../helpers/synthetic';
import { storesOf, tempDir, type RecordedEvent } from '../helpers/lab';
import { CASEBOOK_BIN, ensureBuilt, eventually, holdingLauncher } from '../helpers/runs';
import { REDIS_MISSING, redisServer, startRedis, type TestRedis } from '../helpers/redis';

const missing = redisServer() === null;
if (missing) console.warn(REDIS_MISSING);

// dropout 0 and one epoch: as the other agent tests, the least training that makes a run
const TINY = { model: 'cnn' as const, epochs: 1, batchSize: 50, dropout: 0 };

describe('the settings file', () => {
  it('keeps the queue beside the study, readable by this user only, and forgets it on disconnect', () => {
    const db = join(tempDir(), 'study.db');
    expect(loadSavedAgents(db)).toEqual({ ok: true, value: null });
    saveAgents(db, { url: 'redis://:s3cret@gpu-box:6380', insecureLocal: false });
    expect(statSync(settingsFile(db)).mode & 0o777).toBe(0o600);
    expect(loadSavedAgents(db)).toMatchObject({
      ok: true,
      value: { host: 'gpu-box', display: 'redis://:***@gpu-box:6380' },
    });
    saveAgents(db, null);
    expect(existsSync(settingsFile(db))).toBe(false);
  });

  it('does not use a file others can read, or one holding a URL the check refuses', () => {
    const db = join(tempDir(), 'study.db');
    saveAgents(db, { url: 'redis://:s3cret@gpu-box:6380', insecureLocal: false });
    chmodSync(settingsFile(db), 0o644);
    expect(loadSavedAgents(db)).toEqual({
      ok: false,
      error: expect.stringMatching(/was readable by others \(mode 644\): the remembered queue is not used$/),
    });
    writeFileSync(settingsFile(db), JSON.stringify({ agents: { url: 'redis://gpu-box', insecureLocal: true } }), {
      mode: 0o600,
    });
    chmodSync(settingsFile(db), 0o600);
    expect(loadSavedAgents(db)).toEqual({
      ok: false,
      error: expect.stringContaining('settings.json: url: insecureLocal'),
    });
  });
});

describe('the remembered queue at start', () => {
  it('does not stop the start when it cannot be reached: jobs run locally and Settings says why', async () => {
    const db = join(tempDir(), 'study.db');
    saveAgents(db, { url: 'redis://:pw@127.0.0.1:1', insecureLocal: false });
    const started = await startAgents(db, undefined);
    expect(started).toEqual({
      agentsProblem: expect.stringMatching(
        /^could not reconnect to the remembered queue \(cannot reach the queue at redis:\/\/:\*\*\*@127\.0\.0\.1:1: /,
      ),
    });
    const lab = new Lab({
      databasePath: db,
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      emit: () => undefined,
      ...started,
    });
    try {
      expect(await lab.request('agentsStatus', {})).toMatchObject({ mode: 'local', problem: started.agentsProblem });
      // kept, to try again at the next start
      expect(existsSync(settingsFile(db))).toBe(true);
    } finally {
      await lab.shutdown();
    }
  });
});

describe('the agents serving the queue', () => {
  it('are named from BullMQ worker list, and unknown where Redis does not list its clients', () => {
    const worker = (name: string) => ({ name: 'casebook-jobs', rawname: `bull:Y2FzZWJvb2stam9icw==${name}` });
    expect(agentNames([worker(':w:lab%203'), worker(':w:gpu-box'), worker('')])).toEqual([
      'an unnamed agent',
      'gpu-box',
      'lab 3',
    ]);
    expect(agentNames([])).toEqual([]);
    expect(agentNames([{ name: 'GCP does not support client list' }])).toBeNull();
  });
});

describe('connecting at run time, refused', () => {
  it('a URL without password or TLS, naming the field, and nothing is remembered', async () => {
    const dir = tempDir();
    const lab = new Lab({
      databasePath: join(dir, 'study.db'),
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      emit: () => undefined,
    });
    try {
      expect(await lab.dispatch('connectAgents', { url: 'redis://gpu-box:6379' })).toEqual({
        ok: false,
        error: {
          code: 'bad-request',
          message: expect.stringMatching(/^url: redis:\/\/gpu-box:6379 has no password and no TLS; .*insecureLocal/),
        },
      });
      expect(await lab.dispatch('connectAgents', { url: 'redis://gpu-box:6379', insecureLocal: true })).toMatchObject({
        ok: false,
        error: {
          code: 'bad-request',
          message: expect.stringMatching(
            /^url: insecureLocal .* is only for a Redis on this machine's loopback, not gpu-box/,
          ),
        },
      });
      expect(await lab.dispatch('connectAgents', { url: 42 })).toMatchObject({
        ok: false,
        error: { code: 'bad-request', message: expect.stringMatching(/^connectAgents: url: /) },
      });
      // nothing listens on port 1: unavailable, saying where
      expect(await lab.dispatch('connectAgents', { url: 'redis://:pw@127.0.0.1:1' })).toMatchObject({
        ok: false,
        error: {
          code: 'unavailable',
          message: expect.stringContaining('cannot reach the queue at redis://:***@127.0.0.1:1'),
        },
      });
      expect(existsSync(settingsFile(join(dir, 'study.db')))).toBe(false);
      expect(await lab.request('agentsStatus', {})).toMatchObject({ mode: 'local', queue: null, open: 0 });
    } finally {
      await lab.shutdown();
    }
  });
});

describe.skipIf(missing)('Settings → Train on agents, with a real agent', () => {
  let redis: TestRedis;
  let dir: string;
  let agent: ChildProcess;
  let agentOutput = '';
  const labs: Lab[] = [];
  const AGENT = 'settings agent';

  beforeAll(async () => {
    ensureBuilt();
    redis = await startRedis();
    dir = tempDir();
    agent = spawn(
      process.execPath,
      [CASEBOOK_BIN, 'agent', '--queue', redis.url, '--name', AGENT, '--cache', join(dir, 'cache')],
      { env: { ...process.env, CASEBOOK_TRAIN_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    agent.stderr?.on('data', (chunk: Buffer) => {
      agentOutput += chunk.toString();
    });
    await eventually(() => (agentOutput.includes('serving') ? true : undefined), 'the agent to serve', 120_000);
  }, 300_000);
  afterEach(async () => {
    for (const lab of labs.splice(0)) await lab.shutdown();
  });
  afterAll(async () => {
    agent?.kill('SIGKILL');
    await redis?.stop();
  });

  function lab(path: string, events: RecordedEvent[], options: Partial<LabOptions> = {}): Lab {
    const made = new Lab({
      databasePath: path,
      mode: 'browser',
      version: 'test',
      launch: inProcessLauncher,
      emit: (name, payload) => events.push({ name, payload }),
      autoEvaluate: false,
      ...options,
    });
    labs.push(made);
    return made;
  }

  it('sends a queued run to the agent once connected, and new runs to the local worker once disconnected', async () => {
    const path = join(dir, 'runtime.db');
    const events: RecordedEvent[] = [];
    // the local worker holds its first job (a run that keeps it busy), then trains for real
    let hold = true;
    const launch: WorkerLauncher = () => (hold ? holdingLauncher() : inProcessLauncher());
    const app = lab(path, events, { launch });
    const { dataset } = storesOf(app).datasets.add(syntheticDataset({ train: 100, test: 20 }));
    const busy = app.startRun({ datasetId: dataset.id, ...TINY, seed: 1 });
    const waiting = app.startRun({ datasetId: dataset.id, ...TINY, seed: 2 });
    expect(app.jobs.get(waiting.job.id).status).toBe('queued');

    const connected = await app.request('connectAgents', { url: redis.url, insecureLocal: false });
    expect(connected).toMatchObject({
      mode: 'agents',
      queue: `redis://:***@127.0.0.1:${redis.port}`,
      source: 'settings',
      agents: [AGENT],
      settingsFile: settingsFile(path),
    });
    expect(events.some((e) => e.name === 'agentsChanged' && (e.payload as AgentsStatus).mode === 'agents')).toBe(true);
    // the run that waited for the local worker went to the queue, and the agent trained it
    expect((await app.jobs.finished(waiting.job.id)).job).toMatchObject({ status: 'done', error: null });
    expect(storesOf(app).runs.get(waiting.run.id)).toMatchObject({ status: 'done', epochsDone: 1, agent: AGENT });
    expect(app.jobs.get(busy.job.id).status).toBe('running');
    app.cancelRun(busy.run.id);

    // remembered beside the study for the next start, with its password, readable by this user only
    expect(statSync(settingsFile(path)).mode & 0o777).toBe(0o600);
    expect(readFileSync(settingsFile(path), 'utf8')).toContain(redis.password);
    // never in the study itself
    for (const file of [path, `${path}-wal`].filter(existsSync))
      expect(readFileSync(file).includes(Buffer.from(redis.password)), file).toBe(false);

    // a run started while connected, then disconnected at once: it finishes on the agent and is recorded
    const onAgent = app.startRun({ datasetId: dataset.id, ...TINY, seed: 3 });
    // taken by the agent (it names the run): one still waiting would come back to the local worker
    await eventually(() => storesOf(app).runs.get(onAgent.run.id).agent ?? undefined, 'the agent to take the run');
    const draining = await app.request('disconnectAgents', {});
    expect(draining).toMatchObject({ mode: 'draining', open: 1 });
    expect(existsSync(settingsFile(path))).toBe(false);
    hold = false;
    const local = app.startRun({ datasetId: dataset.id, ...TINY, seed: 4 });
    const [remoteDone, localDone] = await Promise.all([
      app.jobs.finished(onAgent.job.id),
      app.jobs.finished(local.job.id),
    ]);
    expect([remoteDone.job.status, localDone.job.status]).toEqual(['done', 'done']);
    expect(storesOf(app).runs.get(onAgent.run.id)).toMatchObject({ status: 'done', agent: AGENT });
    // the local worker trained the new one
    expect(storesOf(app).runs.get(local.run.id)).toMatchObject({ status: 'done', agent: null });
    // the last job on the queue ended: the queue is let go
    await eventually(
      () =>
        events.some((e) => e.name === 'agentsChanged' && (e.payload as AgentsStatus).mode === 'local')
          ? true
          : undefined,
      'the drained queue to be let go',
    );
    expect(await app.request('agentsStatus', {})).toMatchObject({ mode: 'local', queue: null, open: 0 });
  }, 300_000);

  it('takes back, on disconnect, a job no agent has taken, for the local worker', async () => {
    // a queue of its own, served by no agent
    const idle = await startRedis();
    try {
      const app = lab(join(dir, 'recalled.db'), []);
      const { dataset } = storesOf(app).datasets.add(syntheticDataset({ train: 100, test: 20 }));
      expect(await app.request('connectAgents', { url: idle.url, insecureLocal: false })).toMatchObject({
        mode: 'agents',
        agents: [],
      });
      const { run, job } = app.startRun({ datasetId: dataset.id, ...TINY, seed: 6 });
      expect(app.jobs.get(job.id).status).toBe('running');
      expect(await app.request('disconnectAgents', {})).toMatchObject({ mode: 'local', open: 0 });
      expect((await app.jobs.finished(job.id)).job).toMatchObject({ status: 'done', error: null });
      expect(storesOf(app).runs.get(run.id)).toMatchObject({ status: 'done', epochsDone: 1, agent: null });
    } finally {
      await idle.stop();
    }
  }, 300_000);

  it('reconnects at the next start to the queue Settings remembered, and not after a disconnect', async () => {
    const path = join(dir, 'remembered.db');
    const first = lab(path, []);
    await first.request('connectAgents', { url: redis.url, insecureLocal: false });
    await first.shutdown();

    const started = await startAgents(path, undefined);
    expect(started).toMatchObject({ agentsSource: 'settings' });
    const second = lab(path, [], started);
    expect(await second.request('agentsStatus', {})).toMatchObject({
      mode: 'agents',
      source: 'settings',
      agents: [AGENT],
    });
    const { dataset } = storesOf(second).datasets.add(syntheticDataset({ train: 100, test: 20 }));
    const { run, job } = second.startRun({ datasetId: dataset.id, ...TINY, seed: 5 });
    expect((await second.jobs.finished(job.id)).job.status).toBe('done');
    expect(storesOf(second).runs.get(run.id).agent).toBe(AGENT);
    expect(await second.request('disconnectAgents', {})).toMatchObject({ mode: 'local' });
    await second.shutdown();
    expect(await startAgents(path, undefined)).toEqual({});
  }, 300_000);
});
