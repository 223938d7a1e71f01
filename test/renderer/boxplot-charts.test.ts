import { describe, expect, it } from 'vitest';
import {
  boxPoint,
  caseBoxplotChart,
  classBoxplotChart,
  drawnBoxes,
  samplesByClass,
} from '../../src/renderer/src/lib/boxplot-charts';

const box = (stats: [number, number, number, number, number], out: number[] = []) => ({ stats, out });

describe('boxplot configurations', () => {
  it("draws stored Tukey statistics as they are: whiskers Tukey's, min and max reaching the outliers", () => {
    expect(boxPoint(box([0.2, 0.3, 0.4, 0.5, 0.6], [0.95, 0.01]), 0.41)).toEqual({
      min: 0.01,
      max: 0.95,
      whiskerMin: 0.2,
      q1: 0.3,
      median: 0.4,
      q3: 0.5,
      whiskerMax: 0.6,
      outliers: [0.95, 0.01],
      mean: 0.41,
    });
  });

  it("the seed's figure: one box per class, the mean as a marker, samples only when given", () => {
    const boxes = [box([0.6, 0.7, 0.8, 0.85, 0.9]), box([0, 0.05, 0.1, 0.2, 0.3]), box([0, 0, 0.05, 0.1, 0.2])];
    const plain = caseBoxplotChart({
      classes: ['deer', 'frog', 'truck'],
      boxplots: boxes,
      probabilities: [0.78, 0.13, 0.09],
      runLabel: 'VNN #2',
    });
    expect(plain.type).toBe('boxplot');
    expect(plain.data.labels).toEqual(['deer', 'frog', 'truck']);
    expect(drawnBoxes(plain)).toBe(3);
    expect(plain.data.datasets[0]?.itemRadius).toBe(0);
    expect(plain.options?.scales?.['y']).toMatchObject({ min: 0, max: 1 });
    const withSamples = caseBoxplotChart({
      classes: ['deer', 'frog', 'truck'],
      boxplots: boxes,
      probabilities: [0.78, 0.13, 0.09],
      samples: samplesByClass([0.7, 0.2, 0.1, 0.8, 0.1, 0.1], 2, 3),
      runLabel: 'VNN #2',
    });
    expect(withSamples.data.datasets[0]?.data[0]).toMatchObject({ items: [0.7, 0.8], mean: 0.78 });
    expect(withSamples.data.datasets[0]?.itemRadius).toBeGreaterThan(0);
  });

  it("a run's test set: a group per true class, a series per class, gaps where a class has no images", () => {
    const chart = classBoxplotChart({
      classes: ['deer', 'frog'],
      groups: [
        { name: 'deer', images: 3, boxplots: [box([0.5, 0.6, 0.7, 0.8, 0.9]), box([0.1, 0.2, 0.3, 0.4, 0.5])] },
        { name: 'frog', images: 0, boxplots: null },
      ],
    });
    expect(chart.data.labels).toEqual(['true deer (3)', 'true frog (0)']);
    expect(chart.data.datasets.map((d) => d.label)).toEqual(['p(deer)', 'p(frog)']);
    expect(chart.data.datasets[0]?.data[1]).toBeNull();
    expect(drawnBoxes(chart)).toBe(2);
  });
});
