// The training thread's entry when running from TypeScript sources (tests, `npm run bench`),
// where there is no built out/main/train-thread.js: loads lab/training/parallel.ts through Vite's
// module runner and serves the replica on the parent port.
import { parentPort } from 'node:worker_threads';
import { withRunner } from './ts-runner.mjs';

if (parentPort === null) throw new Error('dev-thread must run as a worker thread');
await withRunner(async (load) => {
  const { replicaMain } = await load('src/main/lab/training/parallel.ts');
  await replicaMain(parentPort);
});
