import { describe, expect, it } from 'vitest';
import {
  boxPoint,
  caseBoxplotChart,
  classBoxplotChart,
  drawnBoxes,
  samplesByClass,
  type BoxplotRun,
} from '../../src/shared/figures';

const box = (stats: [number, number, number, number, number], out: number[] = []) => ({ stats, out });

const classes = ['deer', 'frog', 'truck'];
const vnn: BoxplotRun = {
  runId: 2,
  runLabel: 'VNN #2',
  runColour: '#cc79a7',
  samples: 2,
  probabilities: [0.78, 0.13, 0.09],
  boxplots: [
    { ...box([0.6, 0.7, 0.8, 0.85, 0.9]), n: 2, conf: [0.7, 0.9] },
    { ...box([0, 0.05, 0.1, 0.2, 0.3]), n: 2, conf: [0, 0.2] },
    { ...box([0, 0, 0.05, 0.1, 0.2]), n: 2, conf: [0, 0.1] },
  ],
};
const cnn: BoxplotRun = {
  runId: 1,
  runLabel: 'CNN #1',
  runColour: '#009e73',
  samples: 1,
  probabilities: [0.2, 0.7, 0.1],
  boxplots: null,
};

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

  it("the seed's figure: a box per class and run, the mean as a marker, a flat box for one sample", () => {
    const chart = caseBoxplotChart({ classes, runs: [cnn, vnn] });
    expect(chart.type).toBe('boxplot');
    expect(chart.data.labels).toEqual(classes);
    expect(chart.data.datasets.map((d) => d.label)).toEqual(['CNN #1', 'VNN #2 (T 2)']);
    expect(chart.data.datasets.map((d) => d.borderColor)).toEqual(['#009e73', '#cc79a7']);
    expect(drawnBoxes(chart)).toBe(6);
    expect(chart.data.datasets[0]?.data[1]).toMatchObject({ q1: 0.7, median: 0.7, q3: 0.7, mean: 0.7 });
    expect(chart.data.datasets[1]?.data[0]).toMatchObject({ median: 0.8, mean: 0.78 });
    expect(chart.data.datasets[1]?.itemRadius).toBe(0);
    expect(chart.options?.scales?.['y']).toMatchObject({ min: 0, max: 1, title: { text: 'probability' } });
    expect(chart.options?.scales?.['x']).toMatchObject({ title: { text: 'class' } });
  });

  it("a case card draws its run's series of the whole figure, with the stored samples when given", () => {
    const whole = caseBoxplotChart({ classes, runs: [cnn, vnn] });
    const card = caseBoxplotChart({ classes, runs: [cnn, vnn] }, { runId: vnn.runId, legend: false });
    expect(card.data.datasets).toEqual([whole.data.datasets[1]]);
    expect(card.options?.scales).toEqual(whole.options?.scales);
    expect(card.options?.plugins?.legend?.display).toBe(false);
    const samples = new Map([[vnn.runId, samplesByClass([0.7, 0.2, 0.1, 0.8, 0.1, 0.1], 2, 3)]]);
    const withSamples = caseBoxplotChart({ classes, runs: [cnn, vnn] }, { runId: vnn.runId, samples });
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
