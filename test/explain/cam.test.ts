// Grad-CAM and Grad-CAM++ on a hand-built model whose maps are known, the gradients against
// finite differences, MC Grad-CAM against plain Grad-CAM, and ensembles as the members' mean.
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { camMaps } from '../../src/main/lab/explain/explain';
import { GradCam } from '../../src/main/lab/explain/gradcam';
import { GradCamPlusPlus } from '../../src/main/lab/explain/gradcampp';
import { camGradients, camModel, convLayers } from '../../src/main/lab/explain/target';
import { buildCnn } from '../../src/main/lab/models/cnn';
import { buildMcDropout } from '../../src/main/lab/models/mcdropout';
import { buildVnn } from '../../src/main/lab/models/vnn';

beforeAll(async () => {
  await initEngine();
});

/**
 * 4×4×1 input → 1×1 conv with 2 filters, kernel [1, 2], no bias, ReLU (so A₀ = x, A₁ = 2x for
 * x ≥ 0) → flatten (position-major: index 2p + k) → dense to 2 classes, softmax. Class 0's
 * kernel is +1 on filter 0 and −1 on filter 1; class 1's is the opposite. So the gradient of
 * class c's logit with respect to A_k is constant: g = (1, −1) for class 0, (−1, 1) for class 1.
 *
 * By hand: Grad-CAM weights are the gradients' spatial means, α = g. Class 0: ReLU(x − 2x) = 0,
 * a flat map, scaled to 0. Class 1: ReLU(−x + 2x) = x, scaled by its min (0) and max (1) to x.
 * Grad-CAM++: α_ij = g² / (2g² + ΣA·g³), weight Σ_ij α_ij·ReLU(g). Class 0: filter 0 has
 * ΣA₀ = Σx = 8, so 16 · 1/(2 + 8) = 1.6; filter 1 has ReLU(−1) = 0: map 1.6x, scaled to x.
 */
function handBuilt(): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 1] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, useBias: false, activation: 'relu', name: 'conv' });
  const dense = tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' });
  const output = dense.apply(tf.layers.flatten().apply(conv.apply(input))) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  conv.setWeights([tf.tensor4d([1, 2], [1, 1, 1, 2])]);
  const kernel = new Float32Array(32 * 2);
  for (let p = 0; p < 16; p++) {
    kernel.set([1, -1], 2 * p * 2); // A₀ at position p → (class 0, class 1)
    kernel.set([-1, 1], (2 * p + 1) * 2); // A₁ at position p
  }
  dense.setWeights([tf.tensor2d(kernel, [32, 2]), tf.zeros([2])]);
  return model;
}

// x = 0, 1/15, …, 1 row-major: Σx = 8
const xValues = Array.from({ length: 16 }, (_, i) => i / 15);
const x = () => tf.tensor4d(xValues, [1, 4, 4, 1]);

describe('Grad-CAM', () => {
  it('gives the hand-computed maps of a known model', async () => {
    const cam = camModel(handBuilt());
    expect(cam.layer).toBe('conv');
    expect(cam.shape).toEqual([4, 4, 2]);
    const input = x();
    const options = { score: 'logit', samples: 1, seed: 1 } as const;
    const zero = await camMaps([cam], input, Int32Array.of(0), { ...options, method: new GradCam() });
    expect(Array.from(zero.maps)).toEqual(new Array(16).fill(0));
    const one = await camMaps([cam], input, Int32Array.of(1), { ...options, method: new GradCam() });
    Array.from(one.maps).forEach((v, i) => expect(v).toBeCloseTo(xValues[i]!, 5));
    expect(one.std).toBeNull();
    const pp = await camMaps([cam], input, Int32Array.of(0), { ...options, method: new GradCamPlusPlus() });
    Array.from(pp.maps).forEach((v, i) => expect(v).toBeCloseTo(xValues[i]!, 5));
    input.dispose();
  });

  it("Grad-CAM++'s filter weights are the hand-computed ones", () => {
    const cam = camModel(handBuilt());
    const input = x();
    const tensors = tf.memory().numTensors;
    const raw = tf.tidy(() => {
      const a = cam.lower.predict(input) as tf.Tensor4D;
      const { gradients, probabilities } = camGradients(cam, a, Int32Array.of(0), 'logit');
      probabilities.dispose();
      return new GradCamPlusPlus().maps(a, gradients);
    });
    // unscaled: 1.6 · x
    Array.from(raw.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(1.6 * xValues[i]!, 5));
    raw.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    input.dispose();
  });

  it('takes the gradient the finite differences of the class score give', () => {
    const model = buildCnn({ seed: 3 });
    const cam = camModel(model);
    expect(cam.layer).toBe('Conv_last');
    const input = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const a = cam.lower.predict(input) as tf.Tensor4D;
    const classes = Int32Array.of(2, 0);
    const { gradients, probabilities } = camGradients(cam, a, classes, 'logit');
    // the probabilities are the model's own prediction
    const direct = model.predict(input) as tf.Tensor;
    const expected = Array.from(direct.dataSync());
    Array.from(probabilities.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    const g = gradients.arraySync();
    const values = a.arraySync();
    const score = (image: number, at: [number, number, number], delta: number): number =>
      tf.tidy(() => {
        const moved = values.map((img) => img.map((row) => row.map((px) => [...px])));
        moved[image]![at[0]]![at[1]]![at[2]]! += delta;
        return cam.upper(tf.tensor4d(moved), 'logit').scores.arraySync()[image]![classes[image]!]!;
      });
    // the largest gradient entries of each image, where a finite difference is well above rounding;
    // at positive activations (a ReLU-dead pooling window is a tie of zeros: a kink), with a small
    // step, so that no max-pooling window changes its winner
    for (const image of [0, 1]) {
      const entries: { at: [number, number, number]; value: number }[] = [];
      g[image]!.forEach((row, i) =>
        row.forEach((px, j) =>
          px.forEach((v, k) => {
            if (values[image]![i]![j]![k]! > 0.05) entries.push({ at: [i, j, k], value: v });
          }),
        ),
      );
      entries.sort((p, q) => Math.abs(q.value) - Math.abs(p.value));
      expect(Math.abs(entries[0]!.value)).toBeGreaterThan(1e-3);
      for (const { at, value } of entries.slice(0, 5)) {
        const h = 1e-3;
        const numeric = (score(image, at, h) - score(image, at, -h)) / (2 * h);
        expect(numeric).toBeCloseTo(value, 3);
      }
    }
    tf.dispose([input, a, gradients, probabilities, direct]);
    model.dispose();
  });

  it('MC Grad-CAM with a deterministic head equals Grad-CAM, with zero spread', async () => {
    // McDropout with rate 0: random layers that draw nothing
    const model = buildMcDropout({ trainingSize: 100, keepProb: 1, seed: 4 });
    const cam = camModel(model);
    expect(cam.randomLayers).toHaveLength(2);
    const input = tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const classes = Int32Array.of(0, 1, 2);
    const base = { method: new GradCam(), score: 'logit', seed: 9 } as const;
    const plain = await camMaps([cam], input, classes, { ...base, samples: 1 });
    const mc = await camMaps([cam], input, classes, { ...base, samples: 20, maxRows: 16 });
    expect(plain.std).toBeNull();
    Array.from(mc.maps).forEach((v, i) => expect(v).toBeCloseTo(plain.maps[i]!, 5));
    expect(Math.max(...mc.std!)).toBeLessThan(1e-3);
    input.dispose();
    model.dispose();
  });

  it('MC Grad-CAM of a random head spreads, and is seeded', async () => {
    const model = buildVnn({ seed: 2 });
    const cam = camModel(model);
    expect(convLayers(model)).toEqual(['conv_1', 'conv_2']);
    expect(cam.layer).toBe('conv_2');
    const input = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const options = { method: new GradCam(), score: 'logit', samples: 30, seed: 11 } as const;
    const tensors = tf.memory().numTensors;
    const first = await camMaps([cam], input, Int32Array.of(0, 1), options);
    const again = await camMaps([cam], input, Int32Array.of(0, 1), options);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Array.from(again.maps)).toEqual(Array.from(first.maps));
    expect(Math.max(...first.std!)).toBeGreaterThan(0);
    // each sample's map is in [0, 1], so is the mean
    expect(Math.min(...first.maps)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...first.maps)).toBeLessThanOrEqual(1);
    input.dispose();
    model.dispose();
  });

  it("explains an ensemble with the mean of its members' maps", async () => {
    const members = [buildCnn({ seed: 1 }), buildCnn({ seed: 2 })];
    const cams = members.map((m) => camModel(m));
    const input = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const classes = Int32Array.of(1, 2);
    const options = { method: new GradCam(), score: 'logit', samples: 1, seed: 1 } as const;
    const a = await camMaps([cams[0]!], input, classes, options);
    const b = await camMaps([cams[1]!], input, classes, options);
    const both = await camMaps(cams, input, classes, options);
    Array.from(both.maps).forEach((v, i) => expect(v).toBeCloseTo((a.maps[i]! + b.maps[i]!) / 2, 5));
    Array.from(both.std!).forEach((v, i) => expect(v).toBeCloseTo(Math.abs(a.maps[i]! - b.maps[i]!) / 2, 3));
    Array.from(both.probabilities).forEach((v, i) =>
      expect(v).toBeCloseTo((a.probabilities[i]! + b.probabilities[i]!) / 2, 5),
    );
    input.dispose();
    for (const m of members) m.dispose();
  });

  it('names the layer it cannot explain', () => {
    expect(() => camModel(buildCnn(), 'dense_1')).toThrow(
      "model 'cnn' has no conv layer 'dense_1'; its conv layers are conv_1, Conv_last",
    );
  });

  it("explains the seed's variant (the softmax output) when asked", async () => {
    const cam = camModel(handBuilt());
    const input = x();
    const probability = await camMaps([cam], input, Int32Array.of(1), {
      method: new GradCam(),
      score: 'probability',
      samples: 1,
      seed: 1,
    });
    // with two classes d softmax₁ / dA = p₀p₁ · d(logit₁ − logit₀) / dA: same sign pattern, so the map is x again
    Array.from(probability.maps).forEach((v, i) => expect(v).toBeCloseTo(xValues[i]!, 4));
    input.dispose();
  });
});
