import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli';
import { captureIo } from '../helpers/io';

describe('casebook agent and --queue', () => {
  it('documents the agent command', async () => {
    const io = captureIo();
    expect(await runCli(['agent', '--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: casebook agent --queue <url>');
    expect(io.out()).toContain('--once');
  });

  it('refuses a missing queue, and a Redis without password or TLS, before connecting', async () => {
    const missing = captureIo();
    expect(await runCli(['agent'], missing)).toBe(2);
    expect(missing.err()).toContain('--queue <url> is required');
    const open = captureIo();
    expect(await runCli(['agent', '--queue', 'redis://queue.lab:6379'], open)).toBe(2);
    expect(open.err()).toContain('--queue: redis://queue.lab:6379 has no password and no TLS');
    const remote = captureIo();
    expect(await runCli(['study', '--sample', '--queue', 'redis://10.0.0.7:6379', '--insecure-local'], remote)).toBe(2);
    expect(remote.err()).toContain("--insecure-local is only for a Redis on this machine's loopback, not 10.0.0.7");
    const stray = captureIo();
    expect(await runCli(['serve', '--insecure-local'], stray)).toBe(2);
    expect(stray.err()).toContain('--insecure-local goes with --queue');
  });
});
