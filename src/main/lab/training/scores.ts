import { tf } from '../engine/backend';

/** Mean cross-entropy (NLL, without regularisers) and accuracy of `predict`'s probabilities for a labelled set. */
export function testScores(
  predict: (x: tf.Tensor4D) => tf.Tensor2D,
  data: { x: tf.Tensor4D; y: tf.Tensor2D },
): { loss: number; accuracy: number } {
  return tf.tidy(() => {
    const p = predict(data.x);
    const loss = tf.metrics.categoricalCrossentropy(data.y, p).mean().dataSync()[0] ?? NaN;
    const accuracy = tf.metrics.categoricalAccuracy(data.y, p).mean().dataSync()[0] ?? NaN;
    return { loss, accuracy };
  });
}
