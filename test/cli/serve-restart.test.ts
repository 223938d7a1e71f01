/**
 * Browser mode across restarts: `casebook serve` (the built CLI, as a child process) stopped and
 * started again on the same database listens on the same port with the same token, so a tab's
 * cookie stays valid; when that port is taken it says so and prints the new URL; `--new-token`
 * logs every tab out.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionFile } from '../../src/main/web/session';
import { tempDir } from '../helpers/lab';
import { CASEBOOK_BIN, ensureBuilt } from '../helpers/runs';

interface Launch {
  url: string;
  port: number;
  previousPort: number | null;
  portChanged: boolean;
  newToken: string | null;
}

interface Running {
  launch: Launch;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

const running: Running[] = [];

async function serve(db: string, ...extra: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CASEBOOK_BIN, 'serve', '--db', db, '--json', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  // 'close': after the exit and the end of its output (stderr is written after the JSON line)
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
  const server: Running = {
    launch: JSON.parse(line) as Launch,
    stderr: () => stderr,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
  running.push(server);
  return server;
}

/** What a browser does with the printed URL: trades the token for the cookie. */
async function login(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(303);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** A request as the page of that origin sends it, with its cookie. */
function appInfo(port: number, cookie: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/api/appInfo`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
    body: '{}',
  });
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const blocker = createServer();
    blocker.once('error', reject);
    blocker.listen(port, '127.0.0.1', () => resolve(blocker));
  });
}

beforeAll(() => ensureBuilt(), 400_000);
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()));
});

describe('casebook serve restarted on the same database', () => {
  const db = join(tempDir('casebook-restart-'), 'study.db');
  let first: Launch;
  let cookie = '';

  it('listens on the same port with the same token, and the old cookie still opens the API', async () => {
    const server = await serve(db);
    first = server.launch;
    expect(first).toMatchObject({ previousPort: null, portChanged: false, newToken: 'first start with this database' });
    cookie = await login(first.url);
    expect((await appInfo(first.port, cookie)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    if (process.platform !== 'win32') expect(statSync(sessionFile(db)).mode & 0o777).toBe(0o600);

    const again = await serve(db);
    expect(again.launch).toMatchObject({
      url: first.url,
      port: first.port,
      previousPort: first.port,
      portChanged: false,
    });
    expect(again.launch.newToken).toBeNull();
    const answer = await appInfo(first.port, cookie);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { ok: boolean }).ok).toBe(true);
    expect(await again.stop()).toBe(0);
    expect(again.stderr()).not.toMatch(/another port|New access token/);
  }, 120_000);

  it('moves to a free port when its port is taken, and says what an open tab must do', async () => {
    const blocker = await occupy(first.port);
    try {
      const moved = await serve(db);
      const { launch } = moved;
      expect(launch.port).not.toBe(first.port);
      expect(launch).toMatchObject({ previousPort: first.port, portChanged: true, newToken: null });
      // the login survives: the same token, so the cookie opens the new port too
      expect((await appInfo(launch.port, cookie)).status).toBe(200);
      expect(await moved.stop()).toBe(0);
      expect(moved.stderr()).toContain(
        `Casebook restarted on another port: ${first.port} is taken by another program. ` +
          `Tabs opened on http://127.0.0.1:${first.port} cannot reach it: open ${launch.url}`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    // the new port is remembered
    const next = await serve(db);
    expect(next.launch.previousPort).not.toBe(first.port);
    expect(next.launch.portChanged).toBe(false);
    expect(await next.stop()).toBe(0);
  }, 120_000);

  it('--new-token logs the old cookie out with the action to take', async () => {
    const renewed = await serve(db, '--new-token');
    expect(renewed.launch.newToken).toBe('--new-token');
    expect(renewed.launch.url).not.toBe(first.url);
    const refused = await appInfo(renewed.launch.port, cookie);
    expect(refused.status).toBe(401);
    const body = (await refused.json()) as { ok: false; error: { code: string; message: string } };
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message).toMatch(/older Casebook session.*open the URL Casebook printed when it started/);
    expect((await appInfo(renewed.launch.port, await login(renewed.launch.url))).status).toBe(200);
    expect(await renewed.stop()).toBe(0);
    expect(renewed.stderr()).toContain(
      `New access token (--new-token): open tabs must open ${renewed.launch.url} again.`,
    );
  }, 120_000);
});
