// Runs the project's TypeScript sources without a build, through Vite's module runner: for the
// benchmarks and for the training thread when the app runs from sources (tests).
import { createServer, createServerModuleRunner } from 'vite';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Calls `use(load)`, where `load('src/…/x.ts')` imports a source module; cleans up after. */
export async function withRunner(use) {
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
    await use((path) => runner.import(join(root, path)));
  } finally {
    await runner.close();
    await server.close();
  }
}
