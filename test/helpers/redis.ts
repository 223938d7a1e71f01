import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkQueueUrl, type QueueUrl } from '../../src/main/lab/agents/url';

/** Where Debian's redis-server is, or null (tests that need it are skipped, saying why). */
export function redisServer(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

export const REDIS_MISSING =
  'redis-server is not installed (apt-get install redis-server): the agent tests are skipped';

export interface TestRedis {
  url: string;
  port: number;
  password: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own: a free loopback port, a temporary folder, a password, no persistence. */
export async function startRedis(): Promise<TestRedis> {
  const binary = redisServer();
  if (!binary) throw new Error(REDIS_MISSING);
  // no import of ./lab: the end-to-end specs start a redis-server with this too
  const dir = mkdtempSync(join(tmpdir(), 'casebook-redis-'));
  const port = await freePort();
  const password = `pw${Math.random().toString(36).slice(2)}`;
  const child: ChildProcess = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--requirepass',
      password,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
  });
  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    port,
    password,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The test server's URL as the app and the agents take it (checked as a user's `--queue` is). */
export function queueUrlOf(redis: TestRedis): QueueUrl {
  const checked = checkQueueUrl(redis.url);
  if (!checked.ok) throw new Error(checked.error);
  return checked.value;
}
