import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAgent } from '../../lab/agents/agent';
import { COMMON_OPTIONS, intOption, parseOptions, UsageError, type Io } from '../args';
import { printUsage, type Command } from '../command';
import { progressPrinter } from '../progress';
import { QUEUE_OPTIONS, queueUrl } from '../queue';

/** Where an agent keeps the datasets it fetched: $CASEBOOK_AGENT_CACHE, else ~/.cache/casebook/datasets. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CASEBOOK_AGENT_CACHE) return resolve(env.CASEBOOK_AGENT_CACHE);
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'casebook', 'datasets');
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'train for Casebook apps on other machines: take jobs from a Redis queue and report back',
  usage: `Usage: casebook agent --queue <url> [options]

Takes training jobs off the queue, trains each with the same code as the app's worker and sends
every epoch, checkpoint and score back to the app that queued it (which records them: the agent
never opens a study). Datasets are fetched from the queue once and kept in the cache folder.

  --queue <url>         the Redis to serve (redis://:password@host:6379 or rediss://…)
  --insecure-local      allow a Redis without password or TLS, on this machine's loopback only
  --name <name>         how the app's runs list names this agent (default: the host name)
  --concurrency <n>     jobs at once (default 1; each uses every core it is given)
  --once                take one job, then exit
  --cache <dir>         where fetched datasets are kept (default ${defaultCacheDir()})
  --json                print what the agent can do as one JSON object on stdout
  -h, --help            show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    ...QUEUE_OPTIONS,
    name: { type: 'string' },
    concurrency: { type: 'string' },
    once: { type: 'boolean', default: false },
    cache: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, agentCommand);
  if (values.db !== undefined) throw new UsageError('an agent opens no study: --db does not apply');
  const url = queueUrl(values);
  if (!url) throw new UsageError('--queue <url> is required');
  const name = values.name?.trim();
  if (name !== undefined && (name.length === 0 || name.length > 80))
    throw new UsageError('--name must be 1 to 80 characters');
  const concurrency = intOption(values.concurrency, 'concurrency', { min: 1, max: 64 }) ?? 1;
  const lockSeconds = Number(process.env.CASEBOOK_AGENT_LOCK_SECONDS ?? '30');
  const progress = progressPrinter(io);
  const agent = await startAgent({
    url,
    ...(name !== undefined ? { name } : {}),
    concurrency,
    once: values.once,
    cacheDir: values.cache !== undefined ? resolve(values.cache) : defaultCacheDir(),
    lockMs: Number.isFinite(lockSeconds) && lockSeconds > 0 ? lockSeconds * 1000 : 30_000,
    log: (line) => {
      progress.done();
      io.stderr(`${line}\n`);
    },
    onProgress: (p) => (p ? progress.update(p) : progress.done()),
  });
  const { info } = agent;
  if (values.json) io.stdout(`${JSON.stringify({ ...info, queue: url.display, concurrency })}\n`);
  io.stderr(
    `Agent ${info.name}: ${info.backend}, ${info.cores} cores, ${(info.memoryMb / 1024).toFixed(1)} GB; ` +
      `serving ${url.display}${values.once ? ' for one job' : ''}, ${concurrency} job${concurrency === 1 ? '' : 's'} at once\n`,
  );
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts === 1) {
      io.stderr('Finishing the current job, then stopping (interrupt again to stop now; another agent resumes it)\n');
      void agent.stop();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await agent.stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.done();
  }
  return 0;
}
