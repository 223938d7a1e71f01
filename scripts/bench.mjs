// `node scripts/bench.mjs [--models cnn,vnn,mcdropout] [--backends tensorflow,wasm,cpu]
//   [--steps N] [--warmup N] [--profile] [--wasm-kernels Conv2DBackpropFilter,...|none]
//   [--threads 1|2] [--only engine|sampling|gradcam|store|cases|ui|figures|imports|bundles|loop|busy|trust|neighbours|map|background]
//   [--skip-sampling] [--images N[,N…]] [--runs N] [--cam-samples T] [--bomb-batches N] [--bomb-mib N]
//   [--seconds N] [--zoom-points N] [--json]
//   [--data <cifar-10 archive> [--epoch-threads auto,1,2] [--epochs N]]`
// Measures training throughput of the seed models on the available TensorFlow.js backends
// (tensorflow and wasm by default; cpu, at ~0.4 images/s, only with --backends) and prints one
// JSON line per (model, backend). On wasm the line also has the training loop's two paths, each
// step on a new batch: `newBatchImagesPerSecond` (one thread, trainOnBatch) and
// `parallelImagesPerSecond` (two threads, src/main/lab/training/parallel.ts, its thread started
// from scripts/dev-thread.mjs); `--threads 1` leaves them out.
// With `--data <archive>` (a CIFAR-10 archive; imported through the product's importer into a
// temporary database) the engine part then trains `--epochs` (default 2) full epochs of each model
// through the real loop (bench/epoch.ts), per `--epoch-threads` mode (default auto: the trainer's
// own choice): `{"epoch": true, model, mode, index, threads, imagesPerSecond, seconds, ...}` per
// epoch (the first carries the run's start-up and its one-or-two-threads trial).
// Then MC sampling (bench/sampling.ts): for the VNN and the MC-dropout model, the time of T
// stochastic predictions per image (default `--samples 1000` over `--images 3000`) with the fast
// path, and `naiveSecondsEstimate` for T full forward passes (measured on `--naive-images 20` ×
// `--naive-samples 50`, scaled): one `{"mcSampling": true, ...}` line per (model, backend).
// Then Grad-CAM (bench/gradcam.ts): the maps of all `--images` for each model (`{"gradcam": true}`)
// and MC Grad-CAM with `--cam-samples 100` for the VNN and MC dropout (`{"mcGradcam": true}`).
// Then the sample store (bench/samples-store.ts): the time and database size of an evaluation's
// samples, `--images` × `--samples` × 3 classes (`{"sampleStore": true}`).
// Then case queries (bench/cases.ts): a filtered, sorted page of 100 cases over `--runs 3` runs ×
// `--images` test images (a comma-separated list measures each size: `--images 3000,10000`), the
// finder, one case: `{"cases": true, runs, images, msPerPage, finderMs, caseMs}` per size.
// Then the UI (bench/ui.ts, needs `npx electron-vite build` first): the built app in Chromium over
// 3 runs × `--images` test images: the gallery's first paint, scroll frame rate and heap
// (`{"gallery": true, …}`), the compare view (`{"compare": true, …}`), a case (`{"caseView": true, …}`).
// Then figures (bench/figures.ts): one figure of every kind in every format (`{"figure": true, kind,
// format, ms}`, target ≤ 1 s) and the report of 3 runs with 20 annotated cases, HTML and Markdown
// (`{"report": true, runs, cases, seconds}`, target ≤ 30 s), over `--images` (default 1,000) test images.
// Then imports (bench/imports.ts): a 6 GB decompression bomb (`--bomb-batches 196` batches of
// 10,000 records, about 8.5 MB of .tar.gz) imported twice, as many full batches and as one huge
// entry: `{"importBomb": true, variant, inflatedLimitMB, refusedAfterSeconds, peakRssMB, ...}`.
// Then run bundles (bench/bundles.ts): two bundle bombs (a real bundle plus `--bomb-mib 1000` MiB of
// zeros, unlisted or under a listed name) imported: `{"bundleBomb": true, variant, refusedMs,
// peakRssMb, ...}`; then the bundles of the largest real runs: `{"bundleSize": true, run, inflatedMB,
// compressedMB, ...}` (the import's cap, BUNDLE_LIMIT, follows from them).
// Then the event loop (bench/event-loop.ts): the main process's event-loop delay while a CNN trains
// in the built worker process for `--seconds 25` and the API is polled 4 times a second:
// `{"eventLoop": true, p50Ms, p99Ms, maxMs, seconds, ...}` (target p99 ≤ 50 ms).
// Then a busy database (bench/busy.ts): another process holds the write lock for `--hold-seconds 10`
// while writes and other requests reach the HTTP door: `{"busy": true, holdSeconds, p99Ms, maxMs,
// writeStatus, otherRequestMaxMs, ...}` (targets: p99 ≤ 50 ms, writes answered 503).
// Then trust (bench/trust.ts): the compare of 6 runs × 3,000 test images (3 and 10 classes), every metric
// with a bootstrap interval (B = 2,000), every difference with its paired interval and test:
// `{"trust": true, runs, images, bootstrap, ms, statsMs}` (target ≤ 1 s).
// Then nearest training images (bench/neighbours.ts): the features of `--images 18000` images per
// model (`{"neighbours": true, "part": "features", model, seconds, ...}`, target ≤ 10 s), the label
// check of the training images (`"part": "labelCheck"`), and one case's 8 nearest training images
// across 3 runs through the door (`"part": "query", coldMs, warmMs`, target ≤ 50 ms).
// Then the embedding map (bench/map.ts, needs `npx electron-vite build` first): the map job over
// `--images` (default 3,000) test images' 64-d features (UMAP, seeded, stored; target ≤ 20 s), the
// map drawn in the built app in Chromium (target ≤ 300 ms) and zoom and pan over 10,000 points
// (`--zoom-points`): `{"map": true, images, computeSeconds, drawMs, canvasMs, zoomFrameMs,
// zoomFrameP95Ms, panFrameMs, withinTargets, ...}`.
// Then the background test (bench/background.ts): `--images` (default 3,000) test images predicted
// unchanged and with the ring or the centre blurred or mean-filled, per model (T = `--cam-samples`,
// default 50, for the VNN and MC dropout): `{"background": true, model, backend, images, samples,
// seconds, withinTarget}` (target ≤ 20 s per run), then `{"road": true, images, seconds}`, the noisy
// linear imputation ROAD adds to an explanation.
// `--only <part>` (one of the parts below) runs one part, `--skip-sampling` leaves sampling out. The benchmarks
// are TypeScript (bench/*.ts), loaded from sources through Vite's module runner.
import { parseArgs } from 'node:util';
import { withRunner } from './ts-runner.mjs';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    backends: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    profile: { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
    'wasm-kernels': { type: 'string' },
    only: { type: 'string' },
    'skip-sampling': { type: 'boolean', default: false },
    samples: { type: 'string' },
    images: { type: 'string' },
    runs: { type: 'string' },
    'naive-images': { type: 'string' },
    'naive-samples': { type: 'string' },
    'cam-samples': { type: 'string' },
    'bomb-batches': { type: 'string' },
    'bomb-mib': { type: 'string' },
    seconds: { type: 'string' },
    'hold-seconds': { type: 'string' },
    data: { type: 'string' },
    'epoch-threads': { type: 'string' },
    epochs: { type: 'string' },
    'zoom-points': { type: 'string' },
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
    threadEntry: values.threads === '1' ? undefined : new URL('./dev-thread.mjs', import.meta.url),
  };
  // every part of the benchmark, in the order they run; `--only <name>` runs one
  const parts = {
    engine: async () => {
      // loaded only when run: tfjs would otherwise sit in the memory the imports bench measures
      const { benchEngine } = await load('bench/engine.ts');
      await benchEngine(options);
      if (values.data !== undefined) {
        const { benchEpoch } = await load('bench/epoch.ts');
        await benchEpoch({
          data: values.data,
          models,
          modes: list(values['epoch-threads']),
          epochs: count(values.epochs),
          threadEntry: options.threadEntry,
          report,
        });
      }
    },
    sampling: async () => {
      if (values.only === undefined && values['skip-sampling']) return;
      const { benchSampling } = await load('bench/sampling.ts');
      await benchSampling({
        models,
        backends: options.backends,
        samples: count(values.samples),
        images: count(values.images),
        naiveImages: count(values['naive-images']),
        naiveSamples: count(values['naive-samples']),
        report,
      });
    },
    gradcam: async () => {
      const { benchGradcam } = await load('bench/gradcam.ts');
      await benchGradcam({
        models,
        backends: options.backends,
        images: count(values.images),
        samples: count(values['cam-samples']),
        report,
      });
    },
    store: async () => {
      const { benchSampleStore } = await load('bench/samples-store.ts');
      benchSampleStore({ images: count(values.images), samples: count(values.samples), report });
    },
    cases: async () => {
      const { benchCases } = await load('bench/cases.ts');
      benchCases({ images: list(values.images)?.map((n) => count(n)), runs: count(values.runs), report });
    },
    ui: async () => {
      const { benchUi } = await load('bench/ui.ts');
      await benchUi({ images: count(values.images), report });
    },
    figures: async () => {
      const { benchFigures } = await load('bench/figures.ts');
      await benchFigures({ images: count(values.images), report });
    },
    imports: async () => {
      const { benchImports } = await load('bench/imports.ts');
      await benchImports({ batches: count(values['bomb-batches']), report });
    },
    bundles: async () => {
      const { benchBundles } = await load('bench/bundles.ts');
      benchBundles({ zerosMiB: count(values['bomb-mib']), report });
    },
    loop: async () => {
      const { benchEventLoop } = await load('bench/event-loop.ts');
      await benchEventLoop({ seconds: count(values.seconds), report });
    },
    trust: async () => {
      const { benchTrust } = await load('bench/trust.ts');
      // the study's 3 classes (deer, frog, truck) and CIFAR-10's 10 (Hand–Till's pairs grow as k²)
      for (const classes of [3, 10]) benchTrust({ images: count(values.images), classes, report });
    },
    map: async () => {
      const { benchMap } = await load('bench/map.ts');
      await benchMap({
        images: count(values.images),
        zoomPoints: count(values['zoom-points']),
        report,
      });
    },
    busy: async () => {
      const { benchBusy } = await load('bench/busy.ts');
      await benchBusy({ holdSeconds: count(values['hold-seconds']), report });
    },
    neighbours: async () => {
      const { benchNeighbours } = await load('bench/neighbours.ts');
      await benchNeighbours({ models, backends: options.backends, images: count(values.images), report });
    },
    background: async () => {
      const { benchBackground } = await load('bench/background.ts');
      await benchBackground({ models, images: count(values.images), samples: count(values['cam-samples']), report });
    },
    agents: async () => {
      // not in the full run: it needs redis-server and the build; `--only agents`
      if (values.only === undefined) return;
      const { benchAgents } = await load('bench/agents.ts');
      await benchAgents({ runs: count(values.runs), epochs: count(values.epochs), report });
    },
  };
  if (values.only !== undefined && !(values.only in parts))
    throw new Error(`--only: one of ${Object.keys(parts).join(', ')}, not ${values.only}`);
  for (const [name, part] of Object.entries(parts)) if (values.only === undefined || values.only === name) await part();
});
