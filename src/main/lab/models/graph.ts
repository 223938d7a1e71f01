/**
 * Running part of a tfjs layers graph on concrete tensors: the nodes downstream of some
 * symbolic tensors, in topological order, applied with the model's own layers (same weights).
 * Used by the stochastic split (trunk once, head T times) and by Grad-CAM (everything after the
 * explained conv layer).
 */
import { tf } from '../engine/backend';

export type GraphNode = tf.layers.Layer['inboundNodes'][number];

export function nodeOf(tensor: tf.SymbolicTensor): GraphNode {
  const node = tensor.sourceLayer.inboundNodes[tensor.nodeIndex];
  if (node === undefined) throw new Error(`tensor '${tensor.name}' has no producing node`);
  return node;
}

export function parentsOf(node: GraphNode): GraphNode[] {
  return node.inboundLayers.map((layer, j) => {
    const parent = layer.inboundNodes[node.nodeIndices[j] ?? -1];
    if (parent === undefined) throw new Error(`broken graph at layer '${node.outboundLayer.name}'`);
    return parent;
  });
}

/** The model's single output; throws for models with several. */
export function singleOutput(model: tf.LayersModel): tf.SymbolicTensor {
  const [output] = model.outputs;
  if (output === undefined || model.outputs.length !== 1) throw new Error(`model '${model.name}' must have one output`);
  return output;
}

/** The nodes that lead to the model's output, parents before children. */
export function topologicalOrder(model: tf.LayersModel): GraphNode[] {
  const order: GraphNode[] = [];
  const seen = new Set<GraphNode>();
  const visit = (node: GraphNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    for (const parent of parentsOf(node)) visit(parent);
    order.push(node);
  };
  visit(nodeOf(singleOutput(model)));
  return order;
}

/**
 * Applies `nodes` (in order, in inference mode) to the values already `known` (keyed by symbolic
 * tensor id), adding their outputs to `known`. Call inside `tf.tidy`.
 */
export function runNodes(nodes: readonly GraphNode[], known: Map<number, tf.Tensor>): void {
  for (const node of nodes) {
    const inputs = node.inputTensors.map((t) => {
      const value = known.get(t.id);
      if (value === undefined)
        throw new Error(`no value for '${t.name}' (the input of layer '${node.outboundLayer.name}')`);
      return value;
    });
    const result = node.outboundLayer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, {
      ...node.callArgs,
      training: false,
    }) as tf.Tensor | tf.Tensor[];
    const outputs = Array.isArray(result) ? result : [result];
    node.outputTensors.forEach((t, k) => {
      const value = outputs[k];
      if (value !== undefined) known.set(t.id, value);
    });
  }
}

/** A model from the original's input to `outputs`, sharing its layers; disposing it frees nothing. */
export function subModel(model: tf.LayersModel, outputs: tf.SymbolicTensor[], name: string): tf.LayersModel {
  const sub = tf.model({ inputs: model.inputs, outputs, name });
  // the layers belong to the model: disposing the part must not free their weights
  sub.dispose = () => ({ refCountAfterDispose: 0, numDisposedVariables: 0 });
  return sub;
}
