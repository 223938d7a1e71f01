// The training thread's entry when running from TypeScript sources (tests, `npm run bench`),
// where there is no built out/main/train-thread.js: loads lab/training/parallel.ts through Vite's
// module runner (as scripts/bench.mjs does) and serves the replica on the parent port.
import { createServer, createServerModuleRunner } from 'vite';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort } from 'node:worker_threads';

if (parentPort === null) throw new Error('dev-thread must run as a worker thread');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = await createServer({
  configFile: false,
  root,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
try {
  const { replicaMain } = await runner.import(join(root, 'src/main/lab/training/parallel.ts'));
  await replicaMain(parentPort);
} finally {
  await runner.close();
  await server.close();
}
