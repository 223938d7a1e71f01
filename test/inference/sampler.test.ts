// How a run's models predict (src/main/lab/inference/sampler.ts): T samples per image for one
// model or an ensemble's members, and the deterministic mean prediction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { expectedProbabilities, runSampler } from '../../src/main/lab/inference/sampler';
import { expectedNoise, splitStochastic } from '../../src/main/lab/inference/stochastic';
import { buildCnn } from '../../src/main/lab/models/cnn';
import { buildVnn } from '../../src/main/lab/models/vnn';

const N = 3;
const K = 3;
let x: tf.Tensor4D;
let cnns: tf.LayersModel[];
let vnn: tf.LayersModel;

beforeAll(async () => {
  await initEngine();
  x = tf.randomUniform([N, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  cnns = [buildCnn({ seed: 1 }), buildCnn({ seed: 2 })];
  vnn = buildVnn({ seed: 5 });
});

afterAll(() => {
  x.dispose();
  for (const model of [...cnns, vnn]) model.dispose();
});

const predict = (model: tf.LayersModel): Float32Array =>
  tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);

describe('runSampler', () => {
  it('gives a deterministic model one sample per image: its prediction', async () => {
    const sampler = runSampler([cnns[0]!], 7);
    expect(sampler.perImage).toBe(1);
    const values = await sampler.run(x, 1);
    const expected = predict(cnns[0]!);
    expect(values).toHaveLength(N * K);
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it('gives a stochastic model T samples per image, the same for the same seed', async () => {
    const sampler = runSampler([vnn], 7);
    expect(sampler.perImage).toBe(7);
    const a = await sampler.run(x, 1);
    expect(a).toHaveLength(N * 7 * K);
    expect(await sampler.run(x, 1)).toEqual(a);
    expect(await sampler.run(x, 2)).not.toEqual(a);
  });

  it('gives an ensemble one sample per member, image-major, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const sampler = runSampler(cnns, 1000);
    expect(sampler.perImage).toBe(2);
    const values = await sampler.run(x, 1);
    expect(tf.memory().numTensors).toBe(before);
    const members = cnns.map(predict);
    for (let i = 0; i < N; i++)
      for (let m = 0; m < 2; m++)
        for (let k = 0; k < K; k++) expect(values[(i * 2 + m) * K + k]).toBeCloseTo(members[m]![i * K + k]!, 6);
  });

  it('refuses no model', () => {
    expect(() => runSampler([], 5)).toThrow('runSampler: no model to sample');
  });
});

describe('expectedProbabilities', () => {
  it('sets the random layers to their mean: the head with ε = 0, every time', () => {
    const split = splitStochastic(vnn)!;
    const expected = tf.tidy(() => {
      const features = split.trunk.predict(x);
      return split.head(Array.isArray(features) ? features : [features], expectedNoise).dataSync() as Float32Array;
    });
    const before = tf.memory().numTensors;
    const values = expectedProbabilities([vnn], x);
    expect(tf.memory().numTensors).toBe(before);
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    expect(expectedProbabilities([vnn], x)).toEqual(values);
  });

  it("averages an ensemble's members", () => {
    const members = cnns.map(predict);
    const values = expectedProbabilities(cnns, x);
    values.forEach((v, i) => expect(v).toBeCloseTo((members[0]![i]! + members[1]![i]!) / 2, 6));
  });
});
