/**
 * Stochastic models (DESIGN.md §4, "Stochastic models"): only the layers after the first random
 * op of a VNN or MC-dropout model are random, so the model splits into a deterministic trunk
 * (run once per image) and a random head (run T times, see `sampling.ts`). This is exact: with
 * the same noise per (image, sample) it gives what T full forward passes give.
 *
 * Random layers are `Sampling` (VNN) and `McDropout`; Keras `Dropout` and the like are off at
 * prediction and so deterministic.
 */
import { tf } from '../engine/backend';
import { McDropout } from '../models/mcdropout';
import { Sampling } from '../models/vnn';
import { parentsOf, runNodes, singleOutput, subModel, topologicalOrder, type GraphNode } from '../models/graph';

/** A layer that draws fresh noise at prediction. */
export type RandomLayer = Sampling | McDropout;

/** For a random layer of the head, the noise of one call: ε for `Sampling`, the 0/1 keep mask for `McDropout`. */
export type HeadNoise = (layer: RandomLayer, shape: number[]) => tf.Tensor;

/** Maps the trunk's outputs (in `trunk.outputs` order) to class probabilities. */
export type Head = (features: tf.Tensor[], noise?: HeadNoise) => tf.Tensor;

export interface StochasticSplit {
  /**
   * From the model's input to the tensors the random part consumes (VNN: [z_mean, z_log_var]; MC
   * dropout: dense_1's output). Shares the model's layers and weights; disposing it frees nothing
   * (dispose the original model instead).
   */
  trunk: tf.LayersModel;
  /**
   * Runs the layers from the first random layer to the output on concrete tensors, with the
   * original layers (same weights). Without `noise` the random layers draw their own noise.
   */
  head: Head;
  /** The random layers, in graph order. */
  randomLayers: RandomLayer[];
  /** The largest number of values per example of any tensor in the head (sizes the chunks). */
  headWidth: number;
}

export function isRandom(layer: tf.layers.Layer): layer is RandomLayer {
  return layer instanceof Sampling || layer instanceof McDropout;
}

function containsRandom(layer: tf.layers.Layer): boolean {
  return layer instanceof tf.LayersModel && layer.layers.some((l) => isRandom(l) || containsRandom(l));
}

/** Values per example of a symbolic tensor: its size without the batch dimension. */
export function perExample(shape: tf.SymbolicTensor['shape']): number {
  return shape.slice(1).reduce<number>((p, d) => p * (d ?? 1), 1);
}

/** Runs `fn` with the random layers drawing their noise from `noise` (when given), then restores them. */
export function withNoise<T>(layers: readonly RandomLayer[], noise: HeadNoise | undefined, fn: () => T): T {
  const restore: (() => void)[] = [];
  try {
    if (noise !== undefined) {
      for (const layer of layers) {
        if (layer instanceof Sampling) {
          const previous = layer.epsilon;
          layer.epsilon = (shape) => noise(layer, shape) as tf.Tensor2D;
          restore.push(() => (layer.epsilon = previous));
        } else {
          const previous = layer.keepMask;
          layer.keepMask = (shape) => noise(layer, shape);
          restore.push(() => (layer.keepMask = previous));
        }
      }
    }
    return fn();
  } finally {
    for (const undo of restore.reverse()) undo();
  }
}

/**
 * Splits a functional or sequential model whose only random layers are `Sampling` and `McDropout`
 * into a deterministic trunk and a random head (everything downstream of a random layer).
 * Deterministic models (e.g. the CNN) give null. Throws for models with several outputs or
 * random layers inside nested models.
 */
export function splitStochastic(model: tf.LayersModel): StochasticSplit | null {
  if (model.layers.some(containsRandom)) {
    throw new Error(`splitStochastic: model '${model.name}' has random layers inside a nested model`);
  }
  if (!model.layers.some(isRandom)) return null;
  const output = singleOutput(model);
  const order = topologicalOrder(model);

  const inHead = new Set<GraphNode>();
  for (const node of order) {
    if (isRandom(node.outboundLayer) || parentsOf(node).some((p) => inHead.has(p))) inHead.add(node);
  }
  const headNodes = order.filter((node) => inHead.has(node));
  const first = headNodes[0];
  if (first === undefined) return null; // random layers that do not reach the output

  // the tensors that cross from the trunk into the head; the first random layer's inputs first
  const crossing = new Map<number, tf.SymbolicTensor>();
  for (const node of headNodes) {
    parentsOf(node).forEach((parent, j) => {
      const tensor = node.inputTensors[j];
      if (tensor !== undefined && !inHead.has(parent)) crossing.set(tensor.id, tensor);
    });
  }
  const features = [...crossing.values()];

  const trunk = subModel(model, features, `${model.name}_trunk`);

  const randomLayers = headNodes.map((node) => node.outboundLayer).filter(isRandom);
  const headWidth = Math.max(
    ...features.map((t) => perExample(t.shape)),
    ...headNodes.flatMap((node) => node.outputTensors.map((t) => perExample(t.shape))),
  );

  const head: Head = (values, noise) => {
    if (values.length !== features.length) {
      throw new Error(`head: expected ${features.length} feature tensors, got ${values.length}`);
    }
    return withNoise(randomLayers, noise, () =>
      tf.tidy(() => {
        const known = new Map<number, tf.Tensor>();
        features.forEach((t, i) => known.set(t.id, values[i] as tf.Tensor));
        runNodes(headNodes, known);
        const probabilities = known.get(output.id);
        if (probabilities === undefined) throw new Error('head: the output was not computed');
        return probabilities;
      }),
    );
  };

  return { trunk, head, randomLayers, headWidth };
}

/** The noise whose outcome is each random layer's mean: ε = 0, every unit kept (inverted dropout then changes nothing). */
export const expectedNoise: HeadNoise = (layer, shape) =>
  layer instanceof McDropout ? tf.fill(shape, 1 - layer.rate) : tf.zeros(shape);
