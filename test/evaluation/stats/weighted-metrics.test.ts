import { describe, expect, it } from 'vitest';
import {
  accuracy,
  brierScore,
  confidences,
  expectedCalibrationError,
  handTillAuc,
  negativeLogLikelihood,
  predictedClasses,
  riskCoverage,
  seedStyleAuc,
  correctness,
} from '../../../src/main/lab/evaluation';
import { metricsAt, prepareRun, STAT_METRICS } from '../../../src/main/lab/evaluation/stats';
import { seededRandom } from '../../../src/main/lab/training/random';
import { K, LABELS, PROBS } from '../fixture';

/** Every metric by the functions of `evaluation/` (the definitions), on these images. */
function reference(labels: number[], probs: number[], k: number): number[] {
  const predicted = predictedClasses(probs, k);
  const confidence = confidences(probs, k);
  const correct = correctness(labels, predicted);
  return [
    accuracy(labels, predicted),
    handTillAuc(probs, labels, k).auc,
    seedStyleAuc(labels, predicted).auc,
    negativeLogLikelihood(probs, labels, k),
    brierScore(probs, labels, k),
    expectedCalibrationError(confidence, correct),
    riskCoverage(confidence, correct).aurc,
  ];
}

function prepared(labels: number[], probs: number[], k: number) {
  return prepareRun({
    labels,
    predicted: predictedClasses(probs, k),
    confidence: confidences(probs, k),
    probabilities: probs,
    classes: k,
  });
}

/** Image i repeated weights[i] times. */
function materialise(labels: number[], probs: number[], k: number, weights: number[]) {
  const l: number[] = [];
  const p: number[] = [];
  weights.forEach((w, i) => {
    for (let c = 0; c < w; c++) {
      l.push(labels[i] as number);
      p.push(...probs.slice(i * k, (i + 1) * k));
    }
  });
  return { labels: l, probs: p };
}

describe('metricsAt (a resample as weights)', () => {
  const run = prepared(LABELS, PROBS, K);

  it('with every weight 1 equals the metric functions (the fixture has many ties)', () => {
    const out = metricsAt(run, new Float64Array(LABELS.length).fill(1), new Float64Array(7));
    const expected = reference(LABELS, PROBS, K);
    STAT_METRICS.forEach((name, m) =>
      expect([name, out[m]]).toEqual([name, expect.closeTo(expected[m] as number, 12)]),
    );
  });

  it('with bootstrap counts equals the metric functions on the materialised resample', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 25; trial++) {
      const weights = new Array<number>(LABELS.length).fill(0);
      for (let j = 0; j < LABELS.length; j++) {
        const i = Math.floor(random() * LABELS.length);
        weights[i] = (weights[i] as number) + 1;
      }
      const resample = materialise(LABELS, PROBS, K, weights);
      const expected = reference(resample.labels, resample.probs, K);
      const out = metricsAt(run, weights, new Float64Array(7));
      STAT_METRICS.forEach((name, m) =>
        expect([trial, name, out[m]]).toEqual([trial, name, expect.closeTo(expected[m] as number, 12)]),
      );
    }
  });

  it('agrees on ten classes without ties (the fast Hand–Till path)', () => {
    const random = seededRandom(5);
    const k = 10;
    const n = 120;
    const labels = Array.from({ length: n }, (_, i) => i % k);
    const probs: number[] = [];
    for (let i = 0; i < n; i++) {
      const raw = Array.from({ length: k }, (_, c) => random() + (c === labels[i] ? 1.5 * random() : 0));
      const sum = raw.reduce((a, b) => a + b, 0);
      probs.push(...raw.map((v) => v / sum));
    }
    const run10 = prepared(labels, probs, k);
    expect(run10.scoreGroupEnd.every((ends) => ends === null)).toBe(true);
    const weights = Array.from({ length: n }, (_, i) => (i * 7) % 3);
    const resample = materialise(labels, probs, k, weights);
    const expected = reference(resample.labels, resample.probs, k);
    const out = metricsAt(run10, weights, new Float64Array(7));
    STAT_METRICS.forEach((name, m) =>
      expect([name, out[m]]).toEqual([name, expect.closeTo(expected[m] as number, 12)]),
    );
  });

  it('gives NaN for the AUCs when a resample holds one class only', () => {
    const weights = LABELS.map((label) => (label === 0 ? 1 : 0));
    const out = metricsAt(run, weights, new Float64Array(7));
    expect(Number.isNaN(out[1])).toBe(true);
    expect(Number.isNaN(out[2])).toBe(true);
    expect(out[0]).toBeGreaterThanOrEqual(0);
  });

  it('rejects predictions whose lengths disagree, naming the field', () => {
    expect(() =>
      prepareRun({
        labels: [0, 1],
        predicted: [0, 1],
        confidence: [0.9],
        probabilities: [0.9, 0.1, 0.2, 0.8],
        classes: 2,
      }),
    ).toThrow(/confidence/);
  });
});
