import { tf } from '../engine/backend';
import type { Checkpoint } from '../store/runs';

interface WeightSpecs {
  model: tf.io.WeightsManifestEntry[];
  optimizer: tf.io.WeightsManifestEntry[];
  /** Byte length of the model's part of `weights`; the optimizer's follows it. */
  modelBytes: number;
}

function joinBuffers(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

/** The model's topology and weights, plus (optionally) its optimizer's state, as a checkpoint. */
export async function saveCheckpoint(
  model: tf.LayersModel,
  options: { epoch: number; state: unknown; includeOptimizer: boolean },
): Promise<Checkpoint> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.modelTopology || !artifacts.weightSpecs) throw new Error('the model could not be serialised');
  const modelData = new Uint8Array(joinBuffers(artifacts.weightData));
  let optimizer: { data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] } = { data: new ArrayBuffer(0), specs: [] };
  if (options.includeOptimizer && model.optimizer) {
    const named = await model.optimizer.getWeights();
    try {
      optimizer = await tf.io.encodeWeights(named);
    } finally {
      // getWeights() hands out the optimizer's variables and a fresh scalar for its iteration count
      tf.dispose(named.filter((entry) => !(entry.tensor instanceof tf.Variable)).map((entry) => entry.tensor));
    }
  }
  const weights = new Uint8Array(modelData.byteLength + optimizer.data.byteLength);
  weights.set(modelData, 0);
  weights.set(new Uint8Array(optimizer.data), modelData.byteLength);
  const specs: WeightSpecs = {
    model: artifacts.weightSpecs,
    optimizer: optimizer.specs,
    modelBytes: modelData.byteLength,
  };
  return {
    epoch: options.epoch,
    topology: artifacts.modelTopology,
    weightSpecs: specs,
    weights,
    trainingConfig: null,
    state: options.state,
  };
}

function sliceBuffer(bytes: Uint8Array, start: number, end: number): ArrayBuffer {
  return bytes.slice(start, end).buffer;
}

/** Rebuilds the model of a checkpoint (custom layers must be registered: import ../models first). */
export async function loadCheckpointModel(checkpoint: Checkpoint): Promise<tf.LayersModel> {
  const specs = checkpoint.weightSpecs as WeightSpecs;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: checkpoint.topology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: specs.model,
      weightData: sliceBuffer(checkpoint.weights, 0, specs.modelBytes),
    }),
  );
}

/** Restores the optimizer state saved with the checkpoint (the model must be compiled). */
export async function restoreOptimizer(model: tf.LayersModel, checkpoint: Checkpoint): Promise<void> {
  const specs = checkpoint.weightSpecs as WeightSpecs;
  if (specs.optimizer.length === 0 || !model.optimizer) return;
  const named = tf.io.decodeWeights(
    sliceBuffer(checkpoint.weights, specs.modelBytes, checkpoint.weights.byteLength),
    specs.optimizer,
  );
  try {
    await model.optimizer.setWeights(
      specs.optimizer.map((spec) => ({ name: spec.name, tensor: named[spec.name] as tf.Tensor })),
    );
  } finally {
    // setWeights copies the values into new variables
    tf.dispose(Object.values(named));
  }
}
