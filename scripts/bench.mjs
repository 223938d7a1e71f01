// `node scripts/bench.mjs [--models cnn,vnn,mcdropout] [--backends tensorflow,wasm,cpu]
//   [--steps N] [--warmup N] [--profile] [--wasm-kernels Conv2DBackpropFilter,...|none] [--parallel]`
// Measures training throughput of the seed models on the available TensorFlow.js backends
// (tensorflow and wasm by default; cpu, at ~0.4 images/s, only with --backends) and prints one
// JSON line per (model, backend). `--parallel` adds data-parallel training on two threads (wasm). The benchmark itself is TypeScript (bench/engine.ts, parallel.ts), loaded
// through Vite's module runner; this file is also the entry of the parallel benchmark's worker.
import { createServer, createServerModuleRunner } from 'vite';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function withRunner(use) {
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

if (!isMainThread) {
  await withRunner(async (load) => {
    const { replicaMain } = await load('bench/parallel.ts');
    await replicaMain(parentPort);
  });
} else {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      backends: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      profile: { type: 'boolean', default: false },
      parallel: { type: 'boolean', default: false },
      'wasm-kernels': { type: 'string' },
      // every line is JSON already; accepted so `npm run bench -- --json` reads as documented
      json: { type: 'boolean', default: false },
    },
  });
  const list = (text) =>
    text === undefined
      ? undefined
      : text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const count = (text) => (text === undefined ? undefined : Number.parseInt(text, 10));
  const report = (line) => console.log(JSON.stringify(line));

  await withRunner(async (load) => {
    const { benchEngine, MODELS } = await load('bench/engine.ts');
    const wasmKernels = list(values['wasm-kernels']);
    const models = list(values.models);
    const options = {
      models,
      backends: list(values.backends),
      steps: count(values.steps),
      warmup: count(values.warmup),
      profile: values.profile,
      wasmKernels: wasmKernels?.[0] === 'none' ? [] : wasmKernels,
      report,
    };
    await benchEngine(options);
    if (values.parallel) {
      const { benchDataParallel } = await load('bench/parallel.ts');
      for (const name of models ?? Object.keys(MODELS)) {
        report(await benchDataParallel(name, new URL(import.meta.url), options.steps, options.warmup));
      }
    }
  });
}
