// The compute thread's entry when running from TypeScript sources (tests), where there is no
// built out/main/compute-thread.js: loads lab/compute/thread.ts through Vite's module runner and
// serves the parent port until the thread is terminated.
import { parentPort } from 'node:worker_threads';
import { withRunner } from './ts-runner.mjs';

if (parentPort === null) throw new Error('dev-compute-thread must run as a worker thread');
await withRunner(async (load) => {
  const { computeMain } = await load('src/main/lab/compute/thread.ts');
  computeMain(parentPort);
  // the runner must stay open while the thread serves: until the parent terminates it
  await new Promise(() => undefined);
});
