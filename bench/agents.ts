// The queue's overhead (README, Scaling): the same quick runs trained by the local worker (a
// forked worker process, as `casebook serve` runs it), by one agent and by two agents (`casebook
// agent` child processes on this machine, one training thread each, through a redis-server of the
// bench's own). The clock runs from queuing the runs until the app has recorded each as done. Each
// mode first trains one cold one-epoch run (the local worker's start; an agent's dataset transfer:
// `coldSeconds`), then times `--runs` runs of `--epochs` (default 3) on 600 images, warm (`seconds`). `node scripts/bench.mjs --only agents [--runs 2] [--epochs 2]` prints
// `{agents: true, mode, runs, seconds}` per mode, then the overhead of one agent over the local worker.
// Needs the build (npm run build) and Debian's redis-server.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { AgentQueue } from '../src/main/lab/agents/queue';
import { forkLauncher } from '../src/main/lab/jobs/fork';
import { Lab } from '../src/main/lab/lab';
import { queueUrlOf, startRedis } from '../test/helpers/redis';
import { storesOf, tempDir } from '../test/helpers/lab';
import { syntheticDataset } from '../test/helpers/synthetic';

export interface AgentsBenchLine {
  agents: true;
  mode: 'local' | '1 agent' | '2 agents';
  runs: number;
  /** The timed runs, the worker or agents already warm. */
  seconds: number;
  /** The one-epoch run before them: the local worker's start, or the agent's dataset transfer. */
  coldSeconds: number;
}

export interface AgentsBenchOptions {
  runs?: number;
  epochs?: number;
  report?: (line: AgentsBenchLine | { agents: true; overhead: number; note: string }) => void;
}

const ROOT = resolve(import.meta.dirname, '..');
const round = (seconds: number): number => Number(seconds.toFixed(2));

function startAgent(url: string, name: string, dir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'casebook.mjs'), 'agent', '--queue', url, '--name', name, '--cache', join(dir, name)],
    { env: { ...process.env, CASEBOOK_TRAIN_THREADS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((ready, fail) => {
    let text = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('serving')) ready(child);
    });
    child.once('exit', (code) => fail(new Error(`agent ${name} exited (${code}): ${text}`)));
  });
}

/**
 * Times `runs` quick runs on `lab`: first one cold run of one epoch (the local worker's process
 * start, an agent's dataset transfer), then the timed runs, warm, as in a study of many runs.
 */
async function timeRuns(lab: Lab, runs: number, epochs: number): Promise<{ cold: number; warm: number }> {
  const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 600, test: 60 }));
  const train = async (seeds: number, epochsEach: number, seed: number): Promise<number> => {
    const started = performance.now();
    const { jobs } = lab.startRuns({
      datasetId: dataset.id,
      model: 'cnn',
      epochs: epochsEach,
      batchSize: 50,
      seed,
      seeds,
    });
    const finished = await Promise.all(jobs.map((job) => lab.jobs.finished(job.id)));
    const failed = finished.find((f) => f.job.status !== 'done');
    if (failed) throw new Error(`a run did not finish: ${failed.job.error}`);
    return (performance.now() - started) / 1000;
  };
  const cold = await train(1, 1, 100);
  const warm = await train(runs, epochs, 1);
  return { cold, warm };
}

export async function benchAgents(options: AgentsBenchOptions = {}): Promise<void> {
  const runs = options.runs ?? 2;
  const epochs = options.epochs ?? 3;
  const report = options.report ?? ((line) => console.log(JSON.stringify(line)));
  process.env.CASEBOOK_TRAIN_THREADS = '1';
  const dir = tempDir('casebook-bench-agents-');
  const lab = (name: string, agents?: AgentQueue) =>
    new Lab({
      databasePath: join(dir, `${name}.db`),
      mode: 'browser',
      version: 'bench',
      launch: forkLauncher(join(ROOT, 'out', 'main', 'worker.js')),
      emit: () => undefined,
      autoEvaluate: false,
      ...(agents ? { agents } : {}),
    });
  const local = lab('local');
  const localTimes = await timeRuns(local, runs, epochs);
  const localSeconds = localTimes.warm;
  await local.shutdown();
  report({ agents: true, mode: 'local', runs, seconds: round(localSeconds), coldSeconds: round(localTimes.cold) });

  const redis = await startRedis();
  const children: ChildProcess[] = [];
  try {
    let oneAgent = 0;
    for (const count of [1, 2] as const) {
      while (children.length < count) children.push(await startAgent(redis.url, `agent-${children.length + 1}`, dir));
      const databasePath = join(dir, `agents-${count}.db`);
      const queued = lab(`agents-${count}`, await AgentQueue.open({ url: queueUrlOf(redis), databasePath }));
      const times = await timeRuns(queued, runs, epochs);
      await queued.shutdown();
      if (count === 1) oneAgent = times.warm;
      report({
        agents: true,
        mode: count === 1 ? '1 agent' : '2 agents',
        runs,
        seconds: round(times.warm),
        coldSeconds: round(times.cold),
      });
    }
    report({
      agents: true,
      overhead: Number((oneAgent / localSeconds - 1).toFixed(3)),
      note: 'one agent over the local worker, same runs on this machine (target ≤ 0.10)',
    });
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await redis.stop();
  }
}
