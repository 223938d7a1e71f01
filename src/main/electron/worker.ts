import { utilityProcess } from 'electron';
import type { WorkerLauncher } from '../lab/jobs/manager';

/** Launches the worker script as an Electron utility process. */
export function utilityLauncher(workerScript: string): WorkerLauncher {
  return () => {
    const child = utilityProcess.fork(workerScript, [], { serviceName: 'Casebook worker', stdio: 'inherit' });
    let exited = false;
    return {
      post: (message) => {
        if (!exited) child.postMessage(message);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) =>
        child.on('exit', (code) => {
          exited = true;
          listener(code === 0 ? null : `the worker exited with code ${code}`);
        }),
      kill: () => void child.kill(),
    };
  };
}
