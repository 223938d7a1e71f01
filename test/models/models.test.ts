// The three seed model families: sizes, shapes, stochastic behaviour, losses, naming,
// serialisation and memory hygiene.
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { buildCnn, CNN_LAST_CONV } from '../../src/main/lab/models/cnn';
import { buildMcDropout, McDropout, mcDropoutL2 } from '../../src/main/lab/models/mcdropout';
import { buildVnn, klDivergence, samplingLayer } from '../../src/main/lab/models/vnn';

const N = 12_000; // the seed's training-set size after its 20 % validation split

beforeAll(async () => {
  await initEngine();
});

function batch(n: number, seed = 1): tf.Tensor4D {
  return tf.randomUniform([n, 32, 32, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

const builders = {
  cnn: () => buildCnn(),
  vnn: () => buildVnn(),
  mcdropout: () => buildMcDropout({ trainingSize: N }),
};

describe('model builders', () => {
  it.each([
    ['cnn', 331_331],
    ['vnn', 230_787],
    ['mcdropout', 167_363],
  ] as const)("%s has the seed's %i parameters", (name, params) => {
    const model = builders[name]();
    expect(model.countParams()).toBe(params);
    model.dispose();
  });

  it.each(['cnn', 'vnn', 'mcdropout'] as const)('%s outputs [batch, 3] probabilities', (name) => {
    const model = builders[name]();
    const probabilities = tf.tidy(() => (model.predict(batch(5)) as tf.Tensor).arraySync() as number[][]);
    expect(probabilities).toHaveLength(5);
    for (const row of probabilities) {
      expect(row).toHaveLength(3);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      for (const p of row) expect(p).toBeGreaterThanOrEqual(0);
    }
    model.dispose();
  });

  it("names the CNN's last convolution Conv_last", () => {
    const model = buildCnn();
    const layer = model.getLayer(CNN_LAST_CONV);
    expect(CNN_LAST_CONV).toBe('Conv_last');
    expect(layer.getClassName()).toBe('Conv2D');
    expect(layer.outputShape).toEqual([null, 13, 13, 64]);
    model.dispose();
  });

  it('building and predicting inside tf.tidy does not grow the tensor count', () => {
    for (const build of Object.values(builders)) {
      const before = tf.memory().numTensors;
      let built: tf.LayersModel | undefined;
      tf.tidy(() => {
        built = build();
      });
      const model = built as tf.LayersModel;
      // the weights (variables) survive the tidy; nothing else does
      expect(tf.memory().numTensors - before).toBe(model.weights.length);
      const withWeights = tf.memory().numTensors;
      tf.tidy(() => {
        model.predict(batch(3));
        model.predict(batch(3));
      });
      expect(tf.memory().numTensors).toBe(withWeights);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});

describe('VNN', () => {
  it('draws ε of shape [batch, latent]', () => {
    const model = buildVnn({ latent: 32 });
    const shapes: number[][] = [];
    samplingLayer(model).epsilon = (shape) => {
      shapes.push(shape);
      return tf.randomNormal(shape) as tf.Tensor2D;
    };
    tf.tidy(() => model.predict(batch(7)));
    expect(shapes).toEqual([[7, 32]]);
    model.dispose();
  });

  it('is stochastic by default, and deterministic with a fixed or seeded ε', () => {
    const model = buildVnn({ seed: 3 });
    expect(samplingLayer(model).seed).toBeUndefined();
    const x = batch(4);
    const twice = () => tf.tidy(() => [0, 1].map(() => (model.predict(x) as tf.Tensor).arraySync() as number[][]));
    const [a, b] = twice();
    expect(a).not.toEqual(b);
    samplingLayer(model).epsilon = (shape) => tf.zeros(shape);
    const [c, d] = twice();
    expect(c).toEqual(d);
    model.dispose();
    const seeded = buildVnn({ seed: 3, samplingSeed: 10 });
    expect(samplingLayer(seeded).seed).toBe(10);
    const [e, f] = tf.tidy(() => [0, 1].map(() => (seeded.predict(x) as tf.Tensor).arraySync()));
    expect(e).toEqual(f); // Sampling built with a seed draws the same ε every call
    seeded.dispose();
    x.dispose();
  });

  it('computes the KL term as the seed: mean over latent dims of −½(1 + log σ² − μ² − σ²), then over the batch', () => {
    const value = tf.tidy(() =>
      klDivergence(
        tf.tensor2d([
          [1, 0],
          [0, 0],
        ]),
        tf.tensor2d([
          [0, Math.log(2)],
          [0, 0],
        ]),
      ).arraySync(),
    );
    // example 1: dims 0.5 and −½(1 + ln 2 − 2) = (1 − ln 2)/2, mean 0.3267…; example 2: 0
    const first = (0.5 + (1 - Math.log(2)) / 2) / 2;
    expect(value).toBeCloseTo(first / 2, 6);
  });

  it('adds the KL term as a layer loss while training (loss = cross-entropy + KL), none at prediction', async () => {
    const model = buildVnn({ seed: 5, samplingSeed: 6 }); // the same ε at every call
    model.compile({ optimizer: tf.train.sgd(0), loss: 'categoricalCrossentropy' }); // weights stay put
    const stats = tf.model({
      inputs: model.inputs,
      outputs: [model.getLayer('z_mean').output, model.getLayer('z_log_var').output] as tf.SymbolicTensor[],
    });
    const x = batch(6);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 2, 1, 0], 'int32'), 3).toFloat();
    const trainingLoss = (await model.trainOnBatch(x, y)) as number;
    const crossEntropy = tf.tidy(() => (model.evaluate(x, y) as tf.Scalar).arraySync());
    const kl = tf.tidy(() => {
      const [mean, logVar] = stats.predict(x) as tf.Tensor[];
      return klDivergence(mean!, logVar!).arraySync();
    });
    expect(kl).toBeGreaterThan(0);
    expect(trainingLoss).toBeCloseTo(crossEntropy + kl, 5);
    // the same through a hand-written gradient step (model.apply runs inside tidy scopes)
    tf.tidy(() => {
      const { value } = tf.variableGrads(() => {
        const p = model.apply(x, { training: true }) as tf.Tensor;
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(p)), -1)));
        const layerLosses = model.calculateLosses();
        expect(layerLosses).toHaveLength(1);
        expect(layerLosses[0]!.arraySync()).toBeCloseTo(kl, 5);
        return tf.add(ce, layerLosses[0]!) as tf.Scalar;
      });
      expect(value.arraySync()).toBeGreaterThan(kl);
    });
    tf.tidy(() => {
      model.predict(x);
      const losses = model.calculateLosses();
      expect(losses).toHaveLength(1);
      expect(losses[0]!.arraySync()).toBe(0);
    });
    model.dispose();
    tf.dispose([x, y]);
  });

  it('trains with the KL term (loss = cross-entropy + KL) without leaking tensors', async () => {
    const model = buildVnn({ seed: 2 });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const x = batch(4);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3).toFloat();
    await model.trainOnBatch(x, y);
    const before = tf.memory().numTensors;
    const loss = (await model.trainOnBatch(x, y)) as number;
    expect(Number.isFinite(loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe('MC dropout', () => {
  it('keeps dropout on at prediction, unlike the CNN', () => {
    const x = batch(3);
    const mc = buildMcDropout({ trainingSize: N, seed: 1 });
    const cnn = buildCnn({ seed: 1 });
    const twice = (m: tf.LayersModel) => tf.tidy(() => [0, 1].map(() => (m.predict(x) as tf.Tensor).arraySync()));
    const [a, b] = twice(mc);
    expect(a).not.toEqual(b);
    const [c, d] = twice(cnn);
    expect(c).toEqual(d);
    tf.dispose([mc, cnn].map((m) => m.dispose()) as never);
    x.dispose();
  });

  it('puts L2 keep_prob/(τN) on the dense kernels and 1/(τN) on their biases', () => {
    expect(mcDropoutL2({ trainingSize: N })).toEqual({ kernel: 0.5 / (0.5 * N), bias: 1 / (0.5 * N) });
    expect(mcDropoutL2({ trainingSize: 100, keepProb: 0.8, tau: 2 })).toEqual({ kernel: 0.8 / 200, bias: 1 / 200 });
    expect(() => mcDropoutL2({ trainingSize: 0 })).toThrow(/trainingSize/);
    const model = buildMcDropout({ trainingSize: N });
    const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
    expect(dense).toHaveLength(3);
    for (const layer of dense) {
      const config = layer.getConfig() as {
        kernelRegularizer: { config: { l2: number } };
        biasRegularizer: { config: { l2: number } };
      };
      expect(config.kernelRegularizer.config.l2).toBeCloseTo(1 / N, 12);
      expect(config.biasRegularizer.config.l2).toBeCloseTo(2 / N, 12);
    }
    expect(model.layers.filter((l) => l instanceof McDropout).map((l) => (l as McDropout).rate)).toEqual([0.5, 0.5]);
    model.dispose();
  });
});

describe('serialisation', () => {
  it.each(['cnn', 'vnn', 'mcdropout'] as const)('%s saves and loads with its custom layers', async (name) => {
    const model = name === 'vnn' ? buildVnn({ samplingSeed: 4 }) : builders[name]();
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.countParams()).toBe(model.countParams());
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    if (name !== 'mcdropout') {
      const x = batch(2);
      const [a, b] = tf.tidy(() => [model, loaded].map((m) => (m.predict(x) as tf.Tensor).arraySync()));
      expect(a).toEqual(b);
      x.dispose();
    }
    model.dispose();
    loaded.dispose();
  });
});
