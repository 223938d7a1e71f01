import { describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/main/lab/engine/backend';
import { buildCnn } from '../../src/main/lab/models/cnn';
import { buildVnn } from '../../src/main/lab/models/vnn';
import { layerLosses } from '../../src/main/lab/training/layer-losses';

describe('layerLosses (what val_loss adds to cross-entropy)', () => {
  it('is 0 for a model without layer losses', async () => {
    await initEngine();
    const x = tf.randomUniform([4, 32, 32, 3]) as tf.Tensor4D;
    expect(layerLosses(buildCnn({ seed: 1 }), x, 2)).toBe(0);
    x.dispose();
  });

  it("is the VNN's KL term: mean over images of the mean over latent dims of −½(1 + log σ² − μ² − σ²)", async () => {
    await initEngine();
    const model = buildVnn({ seed: 3 });
    const x = tf.randomUniform([5, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    // the same quantity computed independently from the z_mean and z_log_var layers' outputs
    const encoder = tf.model({
      inputs: model.inputs,
      outputs: [model.getLayer('z_mean').output, model.getLayer('z_log_var').output] as tf.SymbolicTensor[],
    });
    const [mu, logVar] = (encoder.predict(x) as tf.Tensor[]).map((t) => t.arraySync() as number[][]);
    let total = 0;
    mu!.forEach((row, i) => {
      total +=
        row.reduce((sum, m, j) => sum - 0.5 * (1 + logVar![i]![j]! - m * m - Math.exp(logVar![i]![j]!)), 0) /
        row.length;
    });
    const tensors = tf.memory().numTensors;
    expect(layerLosses(model, x, 2)).toBeCloseTo(total / 5, 5);
    expect(tf.memory().numTensors).toBe(tensors);
    x.dispose();
  });
});
