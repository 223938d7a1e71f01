/**
 * A run's features: what its model computes at the layer before the classifier head, for the
 * nearest-neighbour search and the embedding map (DESIGN.md §2b, issue 20).
 *
 * - Deterministic models (the CNN): the input of the output layer, walked back through Keras
 *   Dropout (the identity at prediction): the CNN's dense_2 (128 values).
 * - Stochastic models (VNN, MC dropout): the deterministic trunk's output, i.e. the input of the
 *   first random layer — the VNN's z_mean (32), the MC-dropout model's dense_1 (128). That is
 *   exactly the mean over samples of the random layer's output (E[z] = z_mean; inverted dropout
 *   keeps the mean), computed once, with no sampling noise, so the same run always gives the
 *   same features. The mean of the head's input (after more random layers and ReLUs) would need
 *   T samples per image and would still carry noise.
 * - Deep ensembles: each member's features, each row scaled to unit length and by 1/√M, side by
 *   side: the cosine similarity of two such rows is the mean of the members' cosine similarities.
 */
import { tf } from '../engine/backend';
import { nodeOf, singleOutput, subModel, topologicalOrder } from '../models/graph';
import { isRandom } from '../inference/stochastic';
import type { ImageSet } from '../training/data';
import { yieldToEventLoop } from '../jobs/yield';

export interface FeatureModel {
  /** From the model's input to the feature tensor; shares the model's weights. */
  model: tf.LayersModel;
  /** The layer whose output the features are. */
  layer: string;
  dim: number;
}

/** The part of `model` that computes its features (see the module comment). */
export function featureModel(model: tf.LayersModel): FeatureModel {
  const order = topologicalOrder(model);
  const random = order.find((node) => isRandom(node.outboundLayer));
  let tensor = random ? random.inputTensors[0] : nodeOf(singleOutput(model)).inputTensors[0];
  if (tensor === undefined) throw new Error(`model '${model.name}' has no layer before its classifier head`);
  // Keras Dropout does nothing at prediction: name the layer it passes on
  while (tensor.sourceLayer.getClassName() === 'Dropout') {
    const before: tf.SymbolicTensor | undefined = nodeOf(tensor).inputTensors[0];
    if (before === undefined) break;
    tensor = before;
  }
  if (tensor.shape.length !== 2) {
    throw new Error(
      `model '${model.name}': the features at '${tensor.sourceLayer.name}' have shape [${tensor.shape.join(', ')}]; a flat vector per image is needed`,
    );
  }
  const dim = tensor.shape[1] ?? 0;
  return { model: subModel(model, [tensor], `${model.name}_features`), layer: tensor.sourceLayer.name, dim };
}

export interface ExtractOptions {
  /** Images per forward pass (default 500). */
  batch?: number;
  signal?: AbortSignal;
  /** Called after each batch with the images done so far. */
  onBatch?: (done: number) => void;
}

/** Features of one or more models (an ensemble's members) for a whole image set. */
export interface Features {
  dim: number;
  values: Float32Array;
  layer: string;
}

/**
 * The features of every image of `set` (row i: image i). Several models (an ensemble's members):
 * their rows normalised and concatenated, scaled by 1/√M (see the module comment).
 */
export async function extractFeatures(
  models: readonly tf.LayersModel[],
  set: ImageSet,
  options: ExtractOptions = {},
): Promise<Features> {
  if (models.length === 0) throw new Error('extractFeatures: no model');
  const parts = models.map(featureModel);
  const dim = parts.reduce((sum, part) => sum + part.dim, 0);
  const values = new Float32Array(set.size * dim);
  const ensemble = parts.length > 1;
  const scale = 1 / Math.sqrt(parts.length);
  const step = options.batch ?? 500;
  for (let start = 0; start < set.size; start += step) {
    await yieldToEventLoop(); // so that a cancel can arrive
    if (options.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    const end = Math.min(set.size, start + step);
    const { x, y } = set.batch(set.range(start, end));
    try {
      let offset = 0;
      for (const part of parts) {
        const out = tf.tidy(() => part.model.predict(x, { batchSize: step }) as tf.Tensor2D);
        const rows = (await out.data()) as Float32Array;
        out.dispose();
        for (let i = 0; i < end - start; i++) {
          const row = rows.subarray(i * part.dim, (i + 1) * part.dim);
          const target = (start + i) * dim + offset;
          if (!ensemble) {
            values.set(row, target);
            continue;
          }
          let norm = 0;
          for (let j = 0; j < part.dim; j++) norm += (row[j] as number) ** 2;
          const f = norm > 0 ? scale / Math.sqrt(norm) : 0;
          for (let j = 0; j < part.dim; j++) values[target + j] = (row[j] as number) * f;
        }
        offset += part.dim;
      }
    } finally {
      tf.dispose([x, y]);
    }
    options.onBatch?.(end);
  }
  const first = parts[0] as FeatureModel;
  const layer = ensemble ? `members: ${first.layer} ×${parts.length}` : first.layer;
  return { dim, values, layer };
}
