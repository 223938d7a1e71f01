import { describe, expect, it } from 'vitest';
import { defaultRunConfig, type CompareStats, type RunMetrics, type RunSummary } from '../../src/shared/contract';
import { bestPositions, configRows, metricRows } from '../../src/renderer/src/lib/compare';
import { reliabilityChart } from '../../src/shared/figures/calibration';
import { curveChart, drawnPoints, ema } from '../../src/shared/figures/curves';
import { parseSort, formatSort, sortRuns, toggleSort } from '../../src/renderer/src/lib/run-sort';

const run = (id: number, extra: Partial<RunSummary> = {}): RunSummary => ({
  id,
  name: `CNN #${id}`,
  colour: '#0072b2',
  group: null,
  datasetId: 1,
  datasetHash: 'abcdef0123',
  model: 'cnn',
  config: defaultRunConfig('cnn'),
  parentId: null,
  status: 'done',
  error: null,
  backend: null,
  params: 1000,
  epochsDone: 2,
  bestEpoch: 2,
  bestValLoss: 1,
  trainSeconds: 10,
  imagesPerSecond: 100,
  testLoss: 1,
  testAccuracy: 0.5,
  createdAt: '2026-01-01T00:00:00Z',
  startedAt: null,
  finishedAt: null,
  agent: null,
  ...extra,
});

const metrics = (accuracy: number, nll: number): RunMetrics => ({
  images: 6,
  samples: 1,
  accuracy,
  aucHandTill: 0.7,
  aucSeedStyle: 0.6,
  nll,
  brier: 0.5,
  ece: 0.1,
  aurc: 0.3,
  perClass: [],
  confusion: [],
  reliability: [
    { lower: 0, upper: 0.5, count: 0, meanConfidence: null, accuracy: null },
    { lower: 0.5, upper: 1, count: 6, meanConfidence: 0.7, accuracy: 0.5 },
  ],
  riskCoverage: [],
  convergence: [],
  meanEntropy: 0.9,
  meanMutualInformation: null,
  seconds: 1,
});

const stats = (baseline: number): CompareStats => ({
  runs: [
    { runId: 1, label: 'CNN #1', images: 6, testSet: 'a' },
    { runId: 2, label: 'CNN #2', images: 6, testSet: 'a' },
  ],
  baseline,
  bootstrap: 2000,
  seed: 0,
  level: 0.95,
  correction: 'none',
  notComparable: [],
  estimates: [
    { metric: 'accuracy', runId: 1, value: 0.5, ci: [0.2, 0.8] },
    { metric: 'accuracy', runId: 2, value: 0.75, ci: [0.5, 1] },
  ],
  differences: [
    {
      metric: 'accuracy',
      runId: baseline === 1 ? 2 : 1,
      baseline,
      difference: baseline === 1 ? 0.25 : -0.25,
      ci: baseline === 1 ? [0.05, 0.45] : [-0.45, -0.05],
      test: 'McNemar exact',
      p: 0.03,
      pAdjusted: 0.03,
      significant: true,
      sentence: 'the sentence',
    },
  ],
  best: [
    { metric: 'accuracy', runId: 2, note: 'CNN #2 is better than every other run (largest p = 0.03).' },
    { metric: 'nll', runId: null, note: "Not marked: CNN #2's lead over CNN #1 could be noise (p = 0.2)." },
  ],
  ms: 1,
});

describe('metricRows', () => {
  const runs = [
    { run: run(1), metrics: metrics(0.5, 1.2) },
    { run: run(2, { trainSeconds: 5 }), metrics: metrics(0.75, 0.9) },
    { run: run(3), metrics: null },
  ];

  it('marks no best without statistics, and shows the difference to the first run', () => {
    const rows = metricRows(runs);
    const accuracy = rows.find((row) => row.key === 'accuracy')!;
    expect(accuracy.shown).toEqual(['50.0 %', '75.0 %', '–']);
    expect(accuracy.deltas).toEqual(['', '+25.0 pp', '']);
    expect(rows.every((row) => row.best.length === 0)).toBe(true);
    expect(rows.find((row) => row.key === 'nll')!.deltas).toEqual(['', '−0.3000', '']);
    expect(rows.find((row) => row.key === 'params')!.deltas).toEqual(['', '±0', '±0']);
    expect(rows.find((row) => row.key === 'trainSeconds')!.shown).toEqual(['10.0 s', '5.0 s', '10.0 s']);
  });

  it('takes intervals, tests and the best from the statistics', () => {
    const rows = metricRows(runs, stats(1));
    const accuracy = rows.find((row) => row.key === 'accuracy')!;
    expect(accuracy.intervals).toEqual(['[20.0, 80.0]', '[50.0, 100.0]', '']);
    expect(accuracy.deltas).toEqual(['', '+25.0 pp [5.0, 45.0]', '']);
    expect(accuracy.tests[1]).toEqual({ text: 'p = 0.03', significant: true, title: 'the sentence' });
    expect(accuracy.best).toEqual([1]);
    expect(accuracy.values).toEqual([0.5, 0.75, null]);
    expect(accuracy.testName).toBe('McNemar exact');
    // the lower NLL is not starred: the statistics say its lead could be noise
    const nll = rows.find((row) => row.key === 'nll')!;
    expect(nll.best).toEqual([]);
    expect(nll.bestNote).toMatch(/could be noise/);
    // rows that are not test-set metrics never get a star
    expect(rows.find((row) => row.key === 'trainSeconds')!.best).toEqual([]);
  });

  it('takes the differences to the chosen baseline', () => {
    const rows = metricRows(runs, stats(2), 2);
    const accuracy = rows.find((row) => row.key === 'accuracy')!;
    expect(accuracy.deltas).toEqual(['−25.0 pp [−45.0, −5.0]', '', '']);
    // a test-set metric shows only the statistics' differences; other rows the plain one
    expect(rows.find((row) => row.key === 'nll')!.deltas).toEqual(['', '', '']);
    expect(rows.find((row) => row.key === 'trainSeconds')!.deltas).toEqual(['+5.0 s', '', '+5.0 s']);
  });

  it('lets ties share the best', () => {
    expect(bestPositions([0.2, 0.1, 0.1], 'lower')).toEqual([1, 2]);
    expect(bestPositions([0.2, null], 'higher')).toEqual([]);
  });
});

describe('configRows', () => {
  it('flags exactly the hyperparameters that differ', () => {
    const a = run(1);
    const b = run(2, { config: { ...defaultRunConfig('cnn'), seed: 7, learningRate: 0.01 } });
    const rows = configRows([a, b], () => 'small');
    expect(rows.filter((row) => row.differs).map((row) => row.key)).toEqual(['learningRate', 'seed']);
  });

  it('does not count a field a family does not use as a difference', () => {
    const rows = configRows([run(1), run(2, { model: 'vnn', config: defaultRunConfig('vnn') })], () => 'd');
    const latent = rows.find((row) => row.key === 'latent')!;
    expect(latent.values).toEqual(['n/a', '32']);
    expect(rows.find((row) => row.key === 'tau')!.differs).toBe(false);
  });
});

describe('curves', () => {
  it('smooths with a debiased EMA and skips gaps', () => {
    expect(ema([1, 1, 1], 0.9)).toEqual([1, 1, 1].map(() => expect.closeTo(1, 10)));
    expect(ema([0, null, 10], 0)).toEqual([0, null, 10]);
    const smoothed = ema([0, 10], 0.5);
    expect(smoothed[1]).toBeCloseTo((0.5 * 0.5 * 0 + 0.5 * 10) / (1 - 0.25), 10);
  });

  it('draws each run in its colour, training dashed, on shared axes', () => {
    const epochs = [1, 2, 3].map((epoch) => ({
      epoch,
      loss: 1 / epoch,
      accuracy: 0.5,
      valLoss: 1.1 / epoch,
      valAccuracy: 0.4,
      seconds: 1,
      imagesPerSecond: 10,
    }));
    const chart = curveChart(
      [
        { runId: 1, colour: '#111111', epochs },
        { runId: 2, colour: '#222222', epochs: epochs.slice(0, 1) },
      ],
      { metric: 'loss', smoothing: 0, log: true, maxEpoch: 3 },
    );
    expect(chart.data.datasets.map((d) => d.label)).toEqual(['#1 loss', '#1 val_loss', '#2 loss', '#2 val_loss']);
    expect(chart.data.datasets[0]!.borderDash).toEqual([6, 4]);
    expect(chart.data.datasets[2]!.borderColor).toBe('#222222');
    expect(chart.options?.scales?.['y']?.type).toBe('logarithmic');
    expect(chart.options?.scales?.['x']?.max).toBe(3);
    expect(drawnPoints(chart)).toBe(8);
    const smoothed = curveChart([{ runId: 1, colour: '#111111', epochs }], {
      metric: 'loss',
      smoothing: 0.6,
      log: false,
      maxEpoch: 3,
    });
    // a faint raw curve behind each smoothed one; only the smoothed ones count as drawn
    expect(smoothed.data.datasets).toHaveLength(4);
    expect(drawnPoints(smoothed)).toBe(6);
  });

  it('plots reliability at each bin’s mean confidence, empty bins left out', () => {
    const chart = reliabilityChart([{ runId: 4, colour: '#333333', metrics: metrics(0.5, 1) }]);
    expect(chart.data.datasets[0]!.data).toEqual([{ x: 0.7, y: 0.5 }]);
    expect(chart.data.datasets.at(-1)!.label).toBe('perfect calibration');
  });
});

describe('run sort', () => {
  it('parses, formats and toggles', () => {
    expect(parseSort('-testAccuracy')).toEqual({ key: 'testAccuracy', descending: true });
    expect(parseSort('nonsense')).toEqual({ key: 'id', descending: true });
    expect(formatSort({ key: 'id', descending: true })).toBeNull();
    expect(formatSort({ key: 'bestValLoss', descending: false })).toBe('bestValLoss');
    expect(toggleSort({ key: 'id', descending: true }, 'bestValLoss')).toEqual({
      key: 'bestValLoss',
      descending: false,
    });
    expect(toggleSort({ key: 'bestValLoss', descending: false }, 'bestValLoss')).toEqual({
      key: 'bestValLoss',
      descending: true,
    });
  });

  it('sorts by a column with missing values last', () => {
    const runs = [run(1, { testAccuracy: 0.4 }), run(2, { testAccuracy: null }), run(3, { testAccuracy: 0.9 })];
    expect(sortRuns(runs, { key: 'testAccuracy', descending: true }).map((r) => r.id)).toEqual([3, 1, 2]);
    expect(sortRuns(runs, { key: 'testAccuracy', descending: false }).map((r) => r.id)).toEqual([1, 3, 2]);
    expect(sortRuns(runs, { key: 'id', descending: true }).map((r) => r.id)).toEqual([3, 2, 1]);
  });
});
