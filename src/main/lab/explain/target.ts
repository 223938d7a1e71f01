/**
 * A model cut at the conv layer Grad-CAM explains: the part up to that layer (run once per
 * image), and everything after it, run on concrete activations so that the gradient of a class
 * score with respect to them can be taken, with the random layers' noise under our control.
 */
import { tf } from '../engine/backend';
import { isRandom, withNoise, type HeadNoise, type RandomLayer } from '../inference/stochastic';
import { nodeOf, parentsOf, runNodes, singleOutput, subModel, topologicalOrder, type GraphNode } from '../models/graph';

/** What is differentiated: the pre-softmax class score (Selvaraju et al.; default) or the softmax output (the seed). */
export type ScoreKind = 'logit' | 'probability';

export interface CamModel {
  layer: string;
  /** The explained layer's output: [height, width, filters]. */
  shape: [number, number, number];
  /** From the model's input to the explained layer's output (shares the model's weights). */
  lower: tf.LayersModel;
  classes: number;
  /** The random layers after the explained layer (empty for a deterministic model). */
  randomLayers: RandomLayer[];
  /** Class scores and probabilities from the layer's activations, with the head's noise from `noise` when given. */
  upper: (
    activations: tf.Tensor4D,
    score: ScoreKind,
    noise?: HeadNoise,
  ) => { scores: tf.Tensor2D; probabilities: tf.Tensor2D };
}

/** The model's conv layers, input to output. */
export function convLayers(model: tf.LayersModel): string[] {
  return model.layers.filter((layer) => layer.getClassName() === 'Conv2D').map((layer) => layer.name);
}

/** Cuts `model` at conv layer `layer` (default: the last conv layer). */
export function camModel(model: tf.LayersModel, layer?: string): CamModel {
  const convs = convLayers(model);
  const name = layer ?? convs.at(-1);
  if (name === undefined) throw new Error(`model '${model.name}' has no conv layer to explain`);
  if (!convs.includes(name))
    throw new Error(`model '${model.name}' has no conv layer '${name}'; its conv layers are ${convs.join(', ')}`);
  const target = model.getLayer(name);
  const activation = target.output as tf.SymbolicTensor;
  const [, h, w, c] = activation.shape;
  if (h == null || w == null || c == null) throw new Error(`layer '${name}' has no fixed output shape`);

  const output = singleOutput(model);
  const start = nodeOf(activation);
  const after = new Set<GraphNode>([start]);
  const nodes: GraphNode[] = [];
  for (const node of topologicalOrder(model)) {
    if (node !== start && parentsOf(node).some((p) => after.has(p))) {
      after.add(node);
      nodes.push(node);
    }
  }
  const last = nodes.at(-1);
  if (last === undefined || last !== nodeOf(output)) throw new Error(`layer '${name}' does not lead to the output`);
  const outputLayer = last.outboundLayer;
  const softmaxDense =
    outputLayer.getClassName() === 'Dense' &&
    (outputLayer.getConfig() as { activation?: unknown }).activation === 'softmax';
  const randomLayers = nodes.map((node) => node.outboundLayer).filter(isRandom);

  return {
    layer: name,
    shape: [h, w, c],
    classes: output.shape.at(-1) ?? 0,
    lower: subModel(model, [activation], `${model.name}_to_${name}`),
    randomLayers,
    upper: (activations, score, noise) =>
      withNoise(randomLayers, noise, () =>
        tf.tidy(() => {
          const known = new Map<number, tf.Tensor>([[activation.id, activations]]);
          if (softmaxDense) {
            runNodes(nodes.slice(0, -1), known);
            const input = known.get(last.inputTensors[0]?.id ?? -1);
            const [kernel, bias] = outputLayer.getWeights();
            if (input === undefined || kernel === undefined)
              throw new Error(`the output layer's input was not computed`);
            const logits =
              bias === undefined
                ? tf.matMul(input as tf.Tensor2D, kernel as tf.Tensor2D)
                : tf.add(tf.matMul(input as tf.Tensor2D, kernel as tf.Tensor2D), bias);
            const probabilities = tf.softmax(logits as tf.Tensor2D);
            return { scores: (score === 'logit' ? logits : probabilities) as tf.Tensor2D, probabilities };
          }
          if (score === 'logit')
            throw new Error(
              `model '${model.name}' ends in ${outputLayer.getClassName()}, not a softmax dense layer: it has no pre-softmax scores`,
            );
          runNodes(nodes, known);
          const probabilities = known.get(output.id) as tf.Tensor2D;
          return { scores: probabilities, probabilities };
        }),
      ),
  };
}

/**
 * The gradients of each row's score for class `classes[row]` with respect to the activations,
 * and every row's scores and probabilities.
 */
export function camGradients(
  cam: CamModel,
  activations: tf.Tensor4D,
  classes: Int32Array,
  score: ScoreKind,
  noise?: HeadNoise,
): { gradients: tf.Tensor4D; probabilities: tf.Tensor2D } {
  return tf.tidy(() => {
    let probabilities: tf.Tensor2D | null = null;
    const f = (a: tf.Tensor): tf.Tensor => {
      const out = cam.upper(a as tf.Tensor4D, score, noise);
      probabilities = tf.keep(out.probabilities);
      return out.scores;
    };
    const { grad } = tf.valueAndGrad(f)(activations, tf.oneHot(tf.tensor1d(classes, 'int32'), cam.classes).toFloat());
    if (probabilities === null) throw new Error('the class scores were not computed');
    return { gradients: grad as tf.Tensor4D, probabilities };
  });
}
