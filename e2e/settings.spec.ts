import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { REDIS_MISSING, redisServer, startRedis, type TestRedis } from '../test/helpers/redis';
import { importThroughUi, reviewShot, smallArchive, startTinyRun, waitReady } from './app';
import { expect, ROOT, test } from './fixtures';

const missing = redisServer() === null;

/**
 * Settings → "Train on agents" in browser mode: a bad URL refused naming the field, a connect to
 * a test redis-server with a real agent (listed by name), the choice remembered beside the study,
 * and a disconnect back to this machine.
 */
test.describe('Settings: train on agents', () => {
  test.skip(missing, REDIS_MISSING);
  let redis: TestRedis;
  let agent: ChildProcess;

  test.beforeAll(async () => {
    redis = await startRedis();
    agent = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'casebook.mjs'), 'agent', '--queue', redis.url, '--name', 'gpu-box'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      let said = '';
      agent.stderr?.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        if (said.includes('serving')) resolve();
      });
      agent.once('exit', (code) => reject(new Error(`the agent exited (${code}): ${said}`)));
    });
  });

  test.afterAll(async () => {
    agent?.kill('SIGKILL');
    await redis?.stop();
  });

  test('connects to the queue, lists its agent, remembers it, and disconnects', async ({ page, served }) => {
    await page.goto(served.url);
    await waitReady(page);
    await page.getByTestId('settings-open').click();
    const dialog = page.getByTestId('settings-dialog');
    await expect(dialog.getByTestId('settings-mode')).toHaveAttribute('data-mode', 'local');

    // no password, not on loopback: refused, naming the field
    await dialog.getByTestId('settings-url').fill('redis://queue-host:6379');
    await dialog.getByTestId('settings-connect').click();
    await expect(dialog.getByTestId('settings-error')).toContainText(
      'url: redis://queue-host:6379 has no password and no TLS',
    );
    await reviewShot(page, 'settings-refused');

    await dialog.getByTestId('settings-url').fill(redis.url);
    await dialog.getByTestId('settings-connect').click();
    await expect(dialog.getByTestId('settings-mode')).toHaveAttribute('data-mode', 'agents');
    await expect(dialog.getByTestId('settings-agents')).toHaveText('1 agent: gpu-box');
    await expect(dialog.getByTestId('settings-jobs')).toContainText('0 jobs waiting, 0 running');
    // the password never comes back to the page
    await expect(dialog).not.toContainText(redis.password);
    await expect(dialog.getByTestId('settings-mode')).toContainText(`redis://:***@127.0.0.1:${redis.port}`);
    await expect(page.getByTestId('settings-badge')).toHaveText('on agents');
    expect(statSync(`${served.databasePath}.settings.json`).mode & 0o777).toBe(0o600);
    await reviewShot(page, 'settings-connected');

    // a run started now trains on the agent, which the runs list names
    await dialog.getByTestId('settings-close').click();
    await importThroughUi(page, await smallArchive(join(served.dir, 'archive')));
    await startTinyRun(page, 'cnn');
    await expect(page.getByTestId('run-agent')).toHaveText(' · gpu-box', { timeout: 60_000 });
    await reviewShot(page, 'settings-run-on-agent');

    // disconnected: back on this machine once the jobs still on agents (its evaluation, explanation) have ended
    await page.getByTestId('settings-open').click();
    await dialog.getByTestId('settings-disconnect').click();
    await expect(dialog.getByTestId('settings-mode')).not.toHaveAttribute('data-mode', 'agents');
    await reviewShot(page, 'settings-disconnecting');
    await expect(dialog.getByTestId('settings-mode')).toHaveAttribute('data-mode', 'local', { timeout: 60_000 });
    await expect(page.getByTestId('settings-badge')).toHaveCount(0);
    expect(() => statSync(`${served.databasePath}.settings.json`)).toThrow(/ENOENT/);
  });
});
