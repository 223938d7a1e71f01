/** A run is drawn in its stored colour and named by its stored name, whatever its place among the runs. */
import { describe, expect, it } from 'vitest';
import { chartFigure, type FigureRun } from '../../src/shared/figures';
import { emptyMetrics, runSummary } from '../helpers/summaries';

const figureRun = (id: number, name: string, colour: string): FigureRun => ({
  run: runSummary({ id, name, colour }),
  datasetName: 'd',
  epochs: [{ epoch: 1, loss: 1, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.4, seconds: 1, imagesPerSecond: 1 }],
  metrics: emptyMetrics({
    images: 10,
    samples: 1,
    riskCoverage: [
      { coverage: 0.5, risk: 0.2 },
      { coverage: 1, risk: 0.5 },
    ],
  }),
});

describe('run identity in figures', () => {
  it('colours and names each run as stored, in either order', () => {
    const a = figureRun(3, 'CNN, lr 3e-4', '#cc79a7');
    const b = figureRun(5, 'VNN baseline', '#009e73');
    for (const runs of [
      [a, b],
      [b, a],
    ]) {
      const curves = chartFigure({ kind: 'curves', runs, metric: 'loss' });
      const colourOf = (label: string) =>
        curves.config.data.datasets.find((d) => d.label === label)?.borderColor as string | undefined;
      expect(colourOf('CNN, lr 3e-4 val_loss')).toBe('#cc79a7');
      expect(colourOf('VNN baseline loss')).toBe('#009e73');
      expect(curves.title).toContain('CNN, lr 3e-4');
      expect(curves.caption).toContain('CNN, lr 3e-4 (1 of ≤ 50 epochs');
      const risk = chartFigure({ kind: 'risk-coverage', runs });
      expect(risk.config.data.datasets.map((d) => [d.label, d.borderColor])).toEqual(
        runs.map((r) => [r.run.name, r.run.colour]),
      );
    }
  });
});
