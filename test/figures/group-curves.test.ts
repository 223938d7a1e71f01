import { describe, expect, it } from 'vitest';
import type { EpochMetrics } from '../../src/shared/contract';
import { curveChart } from '../../src/shared/figures/curves';
import { groupCurves, type GroupableCurve } from '../../src/shared/figures/group-curves';

const epoch = (e: number, loss: number, valLoss: number | null = null): EpochMetrics => ({
  epoch: e,
  loss,
  accuracy: 1 - loss,
  valLoss,
  valAccuracy: valLoss === null ? null : 1 - valLoss,
  seconds: 1,
  imagesPerSecond: 10,
});

const curve = (runId: number, group: number | null, epochs: EpochMetrics[]): GroupableCurve => ({
  runId,
  group,
  label: `CNN #${runId}`,
  colour: `#00000${runId}`,
  epochs,
});

describe('a seed group’s learning curves', () => {
  it('are one curve: the mean over seeds per epoch, with the min–max band', () => {
    const out = groupCurves([
      curve(1, 1, [epoch(1, 0.9, 1.0), epoch(2, 0.5, 0.7)]),
      curve(2, null, [epoch(1, 0.8)]),
      curve(3, 1, [epoch(1, 0.7, 0.8), epoch(2, 0.3, 0.5)]),
      curve(4, 1, [epoch(1, 0.8, 0.9)]),
    ]);
    expect(out.map((c) => [c.runId, c.label])).toEqual([
      [1, 'CNN #1 (3 seeds: mean, min–max band)'],
      [2, 'CNN #2'],
    ]);
    const [group] = out;
    expect(group?.epochs.map((e) => [e.epoch, e.loss, e.valLoss])).toEqual([
      [1, expect.closeTo(0.8, 12), expect.closeTo(0.9, 12)],
      [2, expect.closeTo(0.4, 12), expect.closeTo(0.6, 12)],
    ]);
    expect(group?.intervals?.epochs?.[0]).toEqual({
      loss: { lo: 0.7, hi: 0.9 },
      accuracy: { lo: expect.closeTo(0.1, 12), hi: expect.closeTo(0.3, 12) },
      valLoss: { lo: 0.8, hi: 1.0 },
      valAccuracy: { lo: expect.closeTo(0, 12), hi: expect.closeTo(0.2, 12) },
    });
    expect(group?.intervals?.method).toBe('min–max over 3 seeds');
    // the chart names the group's curves by it
    const chart = curveChart(out, { metric: 'loss', smoothing: 0, log: false, maxEpoch: 2 });
    expect(chart.data.datasets.map((d) => d.label)).toContain('CNN #1 (3 seeds: mean, min–max band) val_loss');
  });

  it('leaves a group with one run among the given as a run', () => {
    expect(groupCurves([curve(5, 5, [epoch(1, 0.5)])]).map((c) => [c.runId, c.label, c.intervals])).toEqual([
      [5, 'CNN #5', undefined],
    ]);
  });
});
