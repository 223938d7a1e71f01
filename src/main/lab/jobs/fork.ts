import { fork } from 'node:child_process';
import type { WorkerLauncher } from './manager';

/** Launches the built worker script with child_process.fork (Node doors: CLI, web server). */
export function forkLauncher(workerScript: string): WorkerLauncher {
  return () => {
    const child = fork(workerScript, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let exited = false;
    return {
      post: (message) => {
        if (!exited) child.send(message);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => {
        child.on('error', (error) => listener(`the worker could not run: ${error.message}`));
        child.on('exit', (code, signal) => {
          exited = true;
          listener(code === 0 ? null : `the worker exited (${signal ?? `code ${code}`})`);
        });
      },
      kill: () => child.kill(),
    };
  };
}
