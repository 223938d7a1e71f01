// The background test benchmark (issue 20's target: the background test of 3,000 test images ≤ 20 s
// per run): every image predicted unchanged and with its ring or centre blurred or mean-filled
// (five predictions per image; T = 100 head samples each for the VNN and MC dropout), in chunks of
// 100 as the job computes them (lab/explain/background-run.ts), on untrained seeded models. One
// `{"background": true, model, backend, images, samples, seconds, fillSeconds, withinTarget}` line
// per model; then `{"road": true, images, seconds}`: the noisy linear imputation ROAD adds to an
// explanation (the 3 fractions × 2 orders of every image, predictions left out).
// Not a test: `npm run bench -- --only background --json` runs it.
import { initEngine, tf } from '../src/main/lab/engine/backend';
import { backgroundVariants } from '../src/main/lab/explain/background';
import { DEFAULT_BACKGROUND_SAMPLES, testBatch } from '../src/main/lab/explain/background-run';
import { DELETION_FRACTIONS } from '../src/main/lab/explain/faithfulness';
import { roadImages } from '../src/main/lab/explain/road';
import { runSampler } from '../src/main/lab/inference/sampler';
import { buildCnn } from '../src/main/lab/models/cnn';
import { seededRandom } from '../src/main/lab/training/random';
import { STOCHASTIC_MODELS } from './sampling';

const MODELS = { cnn: () => buildCnn({ seed: 1 }), ...STOCHASTIC_MODELS };
type ModelName = keyof typeof MODELS;

export interface BackgroundBenchOptions {
  models?: string[];
  /** Default 3000 (the study's test set). */
  images?: number;
  /** T for the VNN and MC dropout; default the job's. */
  samples?: number;
  report?: (line: Record<string, unknown>) => void;
}

const CHUNK = 100;
const SHAPE = [32, 32, 3] as const;
const TARGET_SECONDS = 20;
const round = (value: number, digits = 3): number => Number(value.toPrecision(digits));

export async function benchBackground(options: BackgroundBenchOptions = {}): Promise<void> {
  const { backend } = await initEngine();
  const images = options.images ?? 3000;
  const samples = options.samples ?? DEFAULT_BACKGROUND_SAMPLES;
  const names = (options.models ?? Object.keys(MODELS)).filter((name): name is ModelName => name in MODELS);
  const x = tf.randomUniform([images, ...SHAPE], 0, 1, 'float32', 3);
  const pixels = x.dataSync() as Float32Array;
  x.dispose();
  const size = 32 * 32 * 3;
  const chunk = (start: number) => pixels.subarray(start * size, Math.min(images, start + CHUNK) * size);
  // the fills alone, once: the part that does not depend on the model
  let started = performance.now();
  for (let start = 0; start < images; start += CHUNK) backgroundVariants(chunk(start), SHAPE);
  const fillSeconds = (performance.now() - started) / 1000;
  for (const name of names) {
    const model = MODELS[name]();
    const sampler = runSampler([model], samples);
    // as the job: a deterministic model's unchanged prediction is read from its evaluation, not made again
    const bases =
      sampler.perImage === 1
        ? await Promise.all(
            Array.from({ length: Math.ceil(images / CHUNK) }, async (_, c) => {
              const values = chunk(c * CHUNK);
              const t = tf.tensor4d(values, [values.length / size, ...SHAPE]);
              const p = Float64Array.from(await sampler.run(t, 0));
              t.dispose();
              return p;
            }),
          )
        : null;
    const run = async (n: number) => {
      for (let start = 0; start < n; start += CHUNK) {
        const values = chunk(start);
        const count = values.length / size;
        const labels = Array.from({ length: count }, (_, i) => (start + i) % 3);
        const base = bases?.[start / CHUNK];
        await testBatch({
          sampler,
          classes: 3,
          shape: SHAPE,
          pixels: values,
          labels,
          predicted: labels,
          seed: start,
          ...(base ? { base } : {}),
        });
      }
    };
    await run(Math.min(images, 20)); // warm-up
    started = performance.now();
    await run(images);
    const seconds = (performance.now() - started) / 1000;
    options.report?.({
      background: true,
      model: name,
      backend,
      images,
      samples: sampler.perImage,
      seconds: round(seconds),
      fillSeconds: round(fillSeconds),
      targetSeconds: TARGET_SECONDS,
      withinTarget: seconds <= TARGET_SECONDS,
    });
    model.dispose();
  }
  // ROAD's imputation over the same images: what it adds to an explanation besides its predictions
  const ranking = Uint32Array.from({ length: 1024 }, (_, p) => p);
  const random = seededRandom(1);
  started = performance.now();
  for (let start = 0; start < images; start += CHUNK) {
    const values = chunk(start);
    const rankings = Array.from({ length: values.length / size }, () =>
      Uint32Array.from(ranking).sort((a, b) => ((a * 7919) % 1024) - ((b * 7919) % 1024)),
    );
    for (const fraction of DELETION_FRACTIONS)
      for (const order of ['most', 'least'] as const) roadImages(values, SHAPE, rankings, fraction, order, random);
  }
  options.report?.({ road: true, images, seconds: round((performance.now() - started) / 1000) });
}
