// Grad-CAM benchmark (issue targets: all 3,000 test images ≤ 20 s per deterministic model, MC
// Grad-CAM with T = 100 ≤ 120 s, wasm): the maps of every image for one class, in chunks of 100
// images as the explanation job computes them (lab/explain). One `{"gradcam": true, ...}` line
// per (model, backend), and for the VNN and MC dropout one `{"mcGradcam": true, ...}` line.
// Not a test: `node scripts/bench.mjs --only gradcam` runs it.
import { BACKENDS, initEngine, tf, type BackendName } from '../src/main/lab/engine/backend';
import { camMaps } from '../src/main/lab/explain/explain';
import { GradCam } from '../src/main/lab/explain/gradcam';
import { camModel } from '../src/main/lab/explain/target';
import { buildCnn } from '../src/main/lab/models/cnn';
import { STOCHASTIC_MODELS, type StochasticModelName } from './sampling';

type ModelName = 'cnn' | StochasticModelName;

/** Untrained models with seeded weights: the work does not depend on the weights' values. */
const MODELS: Record<ModelName, () => tf.LayersModel> = { cnn: () => buildCnn({ seed: 1 }), ...STOCHASTIC_MODELS };

export interface GradcamBenchOptions {
  models?: string[];
  backends?: BackendName[];
  /** Default 3000 (the study's test set). */
  images?: number;
  /** T of MC Grad-CAM; default 100. */
  samples?: number;
  report?: (line: GradcamBenchLine) => void;
}

export interface GradcamBenchLine {
  gradcam?: true;
  mcGradcam?: true;
  model: ModelName;
  backend: BackendName;
  layer?: string;
  samples: number;
  images: number;
  seconds?: number;
  error?: string;
}

const CHUNK = 100;
const round = (value: number, digits = 3): number => Number(value.toPrecision(digits));

async function timeMaps(
  model: tf.LayersModel,
  x: tf.Tensor4D,
  samples: number,
): Promise<{ seconds: number; layer: string }> {
  const cam = camModel(model);
  const method = new GradCam();
  const n = x.shape[0];
  const started = performance.now();
  for (let start = 0; start < n; start += CHUNK) {
    const chunk = tf.slice(x, [start], [Math.min(CHUNK, n - start)]);
    try {
      const classes = new Int32Array(chunk.shape[0]).map((_, i) => (start + i) % cam.classes);
      await camMaps([cam], chunk, classes, { method, score: 'logit', samples, seed: start });
    } finally {
      chunk.dispose();
    }
  }
  return { seconds: (performance.now() - started) / 1000, layer: cam.layer };
}

export async function benchGradcam(options: GradcamBenchOptions = {}): Promise<GradcamBenchLine[]> {
  const names = (options.models ?? Object.keys(MODELS)).filter((name): name is ModelName => name in MODELS);
  const images = options.images ?? 3000;
  const samples = options.samples ?? 100;
  const lines: GradcamBenchLine[] = [];
  const emit = (line: GradcamBenchLine) => {
    options.report?.(line);
    lines.push(line);
  };
  for (const wanted of options.backends ?? BACKENDS.filter((b) => b !== 'cpu')) {
    const engine = await initEngine({ prefer: wanted });
    if (engine.backend !== wanted) continue; // not available here
    for (const name of names) {
      const model = MODELS[name]();
      const x = tf.randomUniform([images, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      try {
        await timeMaps(model, tf.slice(x, [0], [Math.min(images, 20)]), 2); // warm-up
        const runs: { kind: 'gradcam' | 'mcGradcam'; T: number }[] = [
          { kind: 'gradcam', T: 1 },
          ...(name === 'cnn' ? [] : [{ kind: 'mcGradcam' as const, T: samples }]),
        ];
        for (const { kind, T } of runs) {
          const line: GradcamBenchLine = { [kind]: true, model: name, backend: wanted, samples: T, images };
          try {
            const { seconds, layer } = await timeMaps(model, x, T);
            Object.assign(line, { layer, seconds: round(seconds) });
          } catch (error) {
            line.error = error instanceof Error ? error.message : String(error);
          }
          emit(line);
        }
      } finally {
        x.dispose();
        model.dispose();
      }
    }
  }
  return lines;
}
