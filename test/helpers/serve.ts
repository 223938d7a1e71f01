import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RequestName } from '../../src/shared/contract';
import { CASEBOOK_BIN } from './runs';

/** `casebook serve` (the built CLI) running as a child process, and its API. */
export interface ServeChild {
  child: ChildProcess;
  /** Calls the API; throws with the error's message when the answer is not ok. */
  call<T>(name: RequestName, input?: unknown): Promise<T>;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `casebook serve --db <db> --json` with `env` added, once it listens. */
export async function startServe(db: string, env: NodeJS.ProcessEnv = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, [CASEBOOK_BIN, 'serve', '--db', db, '--json'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
  const url = new URL((JSON.parse(first) as { url: string }).url);
  const token = url.searchParams.get('token') ?? '';
  return {
    child,
    exited,
    stderr: () => stderr,
    async call<T>(name: RequestName, input: unknown = {}) {
      const response = await fetch(`${url.origin}/api/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const result = (await response.json()) as { ok: true; value: T } | { ok: false; error: { message: string } };
      if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
      return result.value;
    },
  };
}
