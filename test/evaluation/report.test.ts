import { describe, expect, it } from 'vitest';
import { summarise } from '../../src/main/lab/evaluation/report';

describe('summarise (per-run metrics from sampled probabilities)', () => {
  // 4 images, 2 classes, one prediction each (a deterministic model)
  const labels = [0, 0, 1, 1];
  const probs = new Float32Array([0.9, 0.1, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]);

  it('computes the run metrics of a deterministic model', () => {
    const { metrics, images } = summarise({ labels, samples: probs, perImage: 1, classes: ['a', 'b'] }, 1.5);
    // predictions 0, 1, 1, 1: three of four right
    expect(metrics.accuracy).toBe(0.75);
    expect(metrics.confusion).toEqual([
      [1, 1],
      [0, 2],
    ]);
    // AUC of p_b: positives {0.7, 0.8} vs negatives {0.1, 0.6}: all 4 pairs ordered → 1
    expect(metrics.aucHandTill).toBeCloseTo(1, 10);
    // NLL = −(ln .9 + ln .4 + ln .7 + ln .8)/4
    expect(metrics.nll).toBeCloseTo(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.7) + Math.log(0.8)) / 4, 6);
    // Brier = mean Σ (p − y)²: (.02 + .72 + .18 + .08)/4 = 0.25
    expect(metrics.brier).toBeCloseTo(0.25, 6);
    expect(metrics.perClass).toEqual([
      { name: 'a', precision: 1, recall: 0.5, support: 2 },
      { name: 'b', precision: 2 / 3, recall: 1, support: 2 },
    ]);
    expect(metrics).toMatchObject({
      images: 4,
      samples: 1,
      meanMutualInformation: null,
      convergence: [],
      seconds: 1.5,
    });
    expect(metrics.reliability).toHaveLength(15);
    expect(metrics.riskCoverage.at(-1)).toEqual({ coverage: 1, risk: 0.25 });
    expect(images[1]).toMatchObject({ index: 1, label: 0, predicted: 1, mutualInformation: null, boxplots: null });
    expect(images[1]!.confidence).toBeCloseTo(0.6, 6);
  });

  it('averages samples of a stochastic model and reports their spread', () => {
    // 2 images, T = 2, 2 classes; image 0's samples disagree, image 1's agree
    const samples = new Float32Array([0.9, 0.1, 0.1, 0.9, 0.2, 0.8, 0.2, 0.8]);
    const { metrics, images } = summarise({ labels: [0, 1], samples, perImage: 2, classes: ['a', 'b'] }, 0);
    expect(metrics.samples).toBe(2);
    expect(images[0]!.probabilities[0]).toBeCloseTo(0.5, 6);
    // MI of image 0 = H(.5,.5) − H(.9,.1) = ln 2 − 0.325083; image 1: 0
    expect(images[0]!.mutualInformation).toBeCloseTo(Math.log(2) - 0.3250829733914482, 5);
    expect(images[1]!.mutualInformation).toBeCloseTo(0, 6);
    expect(images[0]!.variationRatio).toBe(0.5);
    expect(images[0]!.boxplots).toHaveLength(2);
    expect(metrics.meanMutualInformation).toBeCloseTo((Math.log(2) - 0.3250829733914482) / 2, 5);
  });

  it('names the problem when the sample count does not fit', () => {
    expect(() => summarise({ labels: [0], samples: new Float32Array(3), perImage: 1, classes: ['a', 'b'] }, 0)).toThrow(
      /samples: expected 1 × 1 × 2 = 2 values, got 3/,
    );
  });
});
