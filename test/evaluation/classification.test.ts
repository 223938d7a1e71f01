import { describe, expect, it } from 'vitest';
import {
  accuracy,
  brierScore,
  confidences,
  confusionMatrix,
  correctness,
  negativeLogLikelihood,
  precisionRecall,
  predictedClasses,
} from '../../src/main/lab/evaluation';
import { K, LABELS, PREDICTED, PROBS } from './fixture';

describe('predictedClasses / confidences', () => {
  it('takes the argmax of each row, ties to the lowest class', () => {
    // rows: [0.2, 0.5, 0.3] → 1; [0.4, 0.2, 0.4] → tie 0/2 → 0; [0.1, 0.1, 0.8] → 2
    const probs = [0.2, 0.5, 0.3, 0.4, 0.2, 0.4, 0.1, 0.1, 0.8];
    expect(Array.from(predictedClasses(probs, 3))).toEqual([1, 0, 2]);
    expect(Array.from(confidences(probs, 3))).toEqual([0.5, 0.4, 0.8]);
  });

  it('matches numpy argmax on the fixture', () => {
    expect(Array.from(predictedClasses(PROBS, K))).toEqual(PREDICTED);
  });
});

describe('accuracy and confusion matrix', () => {
  // labels    0 1 2 2 1
  // predicted 0 2 2 2 1  → 4 of 5 right = 0.8
  const labels = [0, 1, 2, 2, 1];
  const predicted = [0, 2, 2, 2, 1];

  it('accuracy by hand', () => {
    expect(accuracy(labels, predicted)).toBe(0.8);
    expect(Array.from(correctness(labels, predicted))).toEqual([1, 0, 1, 1, 1]);
  });

  it('confusion matrix: rows true class, columns predicted', () => {
    // true 0 → pred 0 (1); true 1 → pred 2 (1), pred 1 (1); true 2 → pred 2 (2)
    expect(confusionMatrix(labels, predicted, 3)).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
  });

  it('accuracy on the fixture: numpy (P.argmax(1) == labels).mean() = 0.6', () => {
    expect(accuracy(LABELS, PREDICTED)).toBeCloseTo(0.6, 12);
  });
});

describe('precisionRecall', () => {
  it('is null for a class that is never predicted (precision) or never occurs (recall)', () => {
    // labels    0 0 1 1 2 2   (class 3 never occurs)
    // predicted 0 1 1 1 0 1   (classes 2 and 3 never predicted)
    // confusion rows=true: [1,1,0,0] [0,2,0,0] [1,1,0,0] [0,0,0,0]
    // precision: c0 1/2, c1 2/4, c2 0/0 → null, c3 0/0 → null
    // recall:    c0 1/2, c1 2/2, c2 0/2 = 0, c3 0/0 → null
    const confusion = confusionMatrix([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 0, 1], 4);
    expect(confusion).toEqual([
      [1, 1, 0, 0],
      [0, 2, 0, 0],
      [1, 1, 0, 0],
      [0, 0, 0, 0],
    ]);
    const pr = precisionRecall(confusion);
    expect(pr.precision).toEqual([0.5, 0.5, null, null]);
    expect(pr.recall).toEqual([0.5, 1, 0, null]);
    expect(pr.support).toEqual([2, 2, 2, 0]);
    expect(pr.predictedCount).toEqual([2, 4, 0, 0]);
  });

  it('rejects a non-square matrix, naming the argument', () => {
    expect(() => precisionRecall([[1, 2], [3]])).toThrow(/confusion/);
  });
});

describe('negativeLogLikelihood', () => {
  it('by hand: mean of −ln p_true', () => {
    // p_true = 0.5 and 0.25 → (ln 2 + ln 4) / 2 = 1.5 ln 2 = 1.0397207708399179
    const nll = negativeLogLikelihood([0.5, 0.5, 0.75, 0.25], [0, 1], 2);
    expect(nll).toBeCloseTo(1.5 * Math.LN2, 14);
  });

  it('clips p_true at 1e-15 as scikit-learn log_loss did (eps=1e-15)', () => {
    // p_true = 0 → −ln(1e-15) = 34.538776394910684; p_true = 1 → −ln(1 − 1e-15) ≈ 1.1e-15
    expect(negativeLogLikelihood([1, 0], [1], 2)).toBeCloseTo(34.538776394910684, 12);
    expect(negativeLogLikelihood([1, 0], [0], 2)).toBeCloseTo(0, 14);
    expect(negativeLogLikelihood([1, 0], [1], 2, { clip: 1e-7 })).toBeCloseTo(-Math.log(1e-7), 12);
  });

  it('fixture: numpy -np.mean(np.log(np.clip(P[np.arange(N), labels], 1e-15, 1-1e-15))) = 0.859300986426441', () => {
    expect(negativeLogLikelihood(PROBS, LABELS, K)).toBeCloseTo(0.859300986426441, 12);
    expect(negativeLogLikelihood(Float32Array.from(PROBS), LABELS, K)).toBeCloseTo(0.859300986426441, 6);
  });
});

describe('brierScore (Σ_k over classes, mean over images, range [0, 2])', () => {
  it('by hand', () => {
    // row 1, label 0: (0.5−1)² + 0.5² = 0.5;  row 2, label 1: 0.75² + (0.25−1)² = 1.125
    // mean = 0.8125; a certain wrong prediction scores 2, a certain right one 0
    expect(brierScore([0.5, 0.5, 0.75, 0.25], [0, 1], 2)).toBeCloseTo(0.8125, 14);
    expect(brierScore([0, 1, 0, 1, 0, 0], [0, 0], 3)).toBe(1); // (1 + 1 + 0 + 0 + 0 + 0) / 2
    expect(brierScore([0, 0, 1], [0], 3)).toBe(2);
  });

  it('fixture: numpy np.mean(np.sum((P - np.eye(K)[labels])**2, axis=1)) = 0.5138333333333333', () => {
    expect(brierScore(PROBS, LABELS, K)).toBeCloseTo(0.5138333333333333, 12);
  });
});

describe('bad input gives an Error naming the argument', () => {
  it('length mismatch', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/predicted/);
    expect(() => negativeLogLikelihood([0.5, 0.5, 0.5, 0.5], [0], 2)).toThrow(/labels/);
    expect(() => confusionMatrix([0, 1], [0, 1, 1], 2)).toThrow(/predicted/);
  });

  it('K mismatch', () => {
    expect(() => brierScore([0.5, 0.5, 0.5, 0.5], [0, 1], 3)).toThrow(/probs/);
    expect(() => negativeLogLikelihood([0.5, 0.5, 0.5, 0.5], [0, 2], 2)).toThrow(/labels/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/labels/);
    expect(() => brierScore([1], [0], 1)).toThrow(/numClasses/);
  });

  it('NaN', () => {
    expect(() => brierScore([0.5, NaN], [0], 2)).toThrow(/probs/);
    expect(() => negativeLogLikelihood([0.5, 0.5], [NaN], 2)).toThrow(/labels/);
    expect(() => accuracy([0, NaN], [0, 1])).toThrow(/labels/);
    expect(() => negativeLogLikelihood([0.5, 0.5], [0], 2, { clip: NaN })).toThrow(/clip/);
  });

  it('empty input and probabilities outside [0, 1]', () => {
    expect(() => accuracy([], [])).toThrow(/labels/);
    expect(() => brierScore([1.5, -0.5], [0], 2)).toThrow(/probs/);
  });
});
