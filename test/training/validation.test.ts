import { describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { buildCnn } from '../../src/main/lab/models/cnn';
import { buildVnn, samplingLayer } from '../../src/main/lab/models/vnn';
import { TRAINING_LOSS } from '../../src/main/lab/training/parallel';
import { validationScores } from '../../src/main/lab/training/validation';
import { labelledBatch } from '../helpers/synthetic';

function compiled(model: tf.LayersModel): tf.LayersModel {
  model.compile({ optimizer: tf.train.adam(1e-3), loss: TRAINING_LOSS, metrics: ['accuracy'] });
  return model;
}

describe('validationScores (val_loss, val_accuracy)', () => {
  it("is tfjs's evaluate for a model without layer losses, over batches of any size", async () => {
    await initEngine();
    const model = compiled(buildCnn({ seed: 1, dropout: 0 }));
    const data = labelledBatch(10, 2);
    const [loss, accuracy] = (model.evaluate(data.x, data.y, { batchSize: 4 }) as tf.Scalar[]).map(
      (s) => s.dataSync()[0]!,
    );
    const tensors = tf.memory().numTensors;
    const [valLoss, valAccuracy] = validationScores(model, data, 3);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(valLoss).toBeCloseTo(loss!, 5);
    expect(valAccuracy).toBeCloseTo(accuracy!, 6);
    tf.dispose([data.x, data.y]);
    model.dispose();
  });

  it("adds the VNN's KL term: mean over images of the mean over latent dims of −½(1 + log σ² − μ² − σ²)", async () => {
    await initEngine();
    const model = compiled(buildVnn({ seed: 3 }));
    // ε = 0: z = μ, so evaluate's probabilities and ours are the same numbers
    samplingLayer(model).epsilon = (shape) => tf.zeros(shape);
    const data = labelledBatch(5, 7);
    const [crossEntropy, accuracy] = (model.evaluate(data.x, data.y, { batchSize: 2 }) as tf.Scalar[]).map(
      (s) => s.dataSync()[0]!,
    );
    // the KL term computed independently from the z_mean and z_log_var layers' outputs
    const encoder = tf.model({
      inputs: model.inputs,
      outputs: [model.getLayer('z_mean').output, model.getLayer('z_log_var').output] as tf.SymbolicTensor[],
    });
    const [mu, logVar] = (encoder.predict(data.x) as tf.Tensor[]).map((t) => t.arraySync() as number[][]);
    let total = 0;
    mu!.forEach((row, i) => {
      total +=
        row.reduce((sum, m, j) => sum - 0.5 * (1 + logVar![i]![j]! - m * m - Math.exp(logVar![i]![j]!)), 0) /
        row.length;
    });
    const kl = total / 5;
    expect(kl).toBeGreaterThan(1e-4);
    const [valLoss, valAccuracy] = validationScores(model, data, 2);
    expect(valLoss).toBeCloseTo(crossEntropy! + kl, 5);
    expect(valAccuracy).toBeCloseTo(accuracy!, 6);
    // a second call reuses the same pass and leaves nothing behind
    const tensors = tf.memory().numTensors;
    expect(validationScores(model, data, 4)[0]).toBeCloseTo(valLoss, 5);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([data.x, data.y]);
    model.dispose();
  });
});
