// MC-sampling benchmark of the stochastic seed models (DESIGN.md §4): T samples per image over a
// test-set-sized batch with the fast path (lab/inference/sampling.ts: trunk once, head T times),
// beside an estimate of the naive way (T full forward passes), measured on a subset and scaled.
// Not a test: `node scripts/bench.mjs --only sampling` runs it and prints one JSON line per
// (model, backend).
import { BACKENDS, initEngine, tf, type BackendName } from '../src/main/lab/engine/backend';
import { sampleProbabilities } from '../src/main/lab/inference/sampling';
import { splitStochastic } from '../src/main/lab/inference/stochastic';
import { buildMcDropout } from '../src/main/lab/models/mcdropout';
import { buildVnn } from '../src/main/lab/models/vnn';

export type StochasticModelName = 'vnn' | 'mcdropout';

/** Untrained models with seeded weights: the work does not depend on the weights' values. */
export const STOCHASTIC_MODELS: Record<StochasticModelName, () => tf.LayersModel> = {
  vnn: () => buildVnn({ seed: 1 }),
  mcdropout: () => buildMcDropout({ trainingSize: 12_000, seed: 1 }),
};

export interface SamplingBenchOptions {
  /** Default: both stochastic models. Other names (e.g. 'cnn') are skipped. */
  models?: string[];
  /** Default: tensorflow and wasm, where available. */
  backends?: BackendName[];
  /** T; default 1000 (DESIGN.md). */
  samples?: number;
  /** Default 3000 (the study's test set). */
  images?: number;
  /** The subset the naive estimate is measured on: images, as one batch; default 20. */
  naiveImages?: number;
  /** Full passes of that subset; default 50. */
  naiveSamples?: number;
  /** Head chunk bound, bytes per intermediate (sampleProbabilities' default when absent). */
  maxChunkBytes?: number;
  report?: (line: SamplingBenchLine) => void;
}

export interface SamplingBenchLine {
  mcSampling: true;
  model: StochasticModelName;
  backend: BackendName;
  samples: number;
  images: number;
  /** Wall time of sampleProbabilities for all images × samples (trunk included). */
  seconds?: number;
  /** Of which the trunk (one forward pass to the first random layer), measured separately. */
  trunkSeconds?: number;
  /** Full forward passes: measured on naiveImages × naiveSamples, scaled to images × samples. */
  naiveSecondsEstimate?: number;
  naiveImages?: number;
  naiveSamples?: number;
  /** naiveSecondsEstimate / seconds. */
  speedup?: number;
  error?: string;
}

const round = (value: number, digits = 3): number => Number(value.toPrecision(digits));

async function benchOne(
  name: StochasticModelName,
  backend: BackendName,
  options: SamplingBenchOptions,
): Promise<SamplingBenchLine> {
  const samples = options.samples ?? 1000;
  const images = options.images ?? 3000;
  const naiveImages = Math.min(options.naiveImages ?? 20, images);
  const naiveSamples = options.naiveSamples ?? 50;
  const line: SamplingBenchLine = { mcSampling: true, model: name, backend, samples, images };
  const model = STOCHASTIC_MODELS[name]();
  const x = tf.randomUniform([images, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const subset = tf.slice(x, [0], [naiveImages]);
  try {
    const split = splitStochastic(model);
    const chunk = options.maxChunkBytes === undefined ? {} : { maxChunkBytes: options.maxChunkBytes };
    // warm-up: kernels, wasm memory growth
    await sampleProbabilities(model, subset, { samples: Math.min(samples, 50), split, seed: 1, ...chunk });
    tf.tidy(() => model.predict(subset));

    let start = performance.now();
    const probabilities = await sampleProbabilities(model, x, { samples, split, seed: 2, ...chunk });
    line.seconds = round((performance.now() - start) / 1000);
    if (probabilities.length !== images * samples * 3) throw new Error('unexpected output size');

    if (split !== null) {
      start = performance.now();
      tf.dispose(tf.tidy(() => split.trunk.predict(x, { batchSize: 256 })));
      line.trunkSeconds = round((performance.now() - start) / 1000);
    }

    start = performance.now();
    for (let t = 0; t < naiveSamples; t++) {
      const y = tf.tidy(() => model.predict(subset) as tf.Tensor);
      await y.data();
      y.dispose();
    }
    const perPass = (performance.now() - start) / 1000 / (naiveImages * naiveSamples);
    line.naiveSecondsEstimate = round(perPass * images * samples);
    line.naiveImages = naiveImages;
    line.naiveSamples = naiveSamples;
    line.speedup = round(line.naiveSecondsEstimate / line.seconds);
  } catch (error) {
    line.error = error instanceof Error ? error.message : String(error);
  } finally {
    tf.dispose([x, subset]);
    model.dispose();
  }
  return line;
}

export async function benchSampling(options: SamplingBenchOptions = {}): Promise<SamplingBenchLine[]> {
  const names = (options.models ?? Object.keys(STOCHASTIC_MODELS)).filter(
    (name): name is StochasticModelName => name in STOCHASTIC_MODELS,
  );
  const lines: SamplingBenchLine[] = [];
  for (const wanted of options.backends ?? BACKENDS.filter((b) => b !== 'cpu')) {
    const engine = await initEngine({ prefer: wanted });
    if (engine.backend !== wanted) continue; // not available here
    for (const name of names) {
      const line = await benchOne(name, wanted, options);
      options.report?.(line);
      lines.push(line);
    }
  }
  return lines;
}
