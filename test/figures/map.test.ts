/** The embedding map's colours (one definition for the screen and the export) and its figure. */
import { describe, expect, it } from 'vitest';
import type { RunMap, RunSummary } from '../../src/shared/contract';
import { runSummary } from '../helpers/summaries';
import { chartFigure, mapChart, mapColouring, type FigureRun } from '../../src/shared/figures';
import { figureStudy } from '../../bench/figure-study';
import { reportModel } from '../../src/main/lab/figures/report-model';
import { tempDir } from '../helpers/lab';

const run: RunSummary = runSummary({ id: 3, name: 'CNN #3', colour: '#0072b2' });
const figureRun: FigureRun = { run, datasetName: 'd', epochs: [], metrics: null };

/** Six images of 3 classes: 4 evaluated (one wrong), MI for three, one tagged. */
const map: RunMap = {
  runId: 3,
  method: 'umap',
  seed: 42,
  neighbours: 15,
  minDist: 0.1,
  epochs: 500,
  dim: 64,
  count: 6,
  seconds: 1,
  createdAt: '2026-01-01T00:00:00Z',
  classes: ['deer', 'frog', 'truck'],
  index: [0, 1, 2, 3, 4, 5],
  x: [0, 0.2, 0.4, 0.6, 0.8, 1],
  y: [0, 0.2, 0.4, 0.6, 0.8, 1],
  label: [0, 1, 2, 0, 1, 2],
  predicted: [0, 1, 0, 0, null, null],
  mutualInformation: [0.1, 0.5, null, 0.3, null, null],
  background: [null, null, null, null, null, null],
  tags: { interesting: [2, 5] },
};

describe('the embedding map figure', () => {
  it('colours by class, right/wrong, a tag and a scale, every point once', () => {
    const byTrue = mapColouring(map, 'true');
    expect(byTrue.groups.map((g) => [g.label, g.points])).toEqual([
      ['deer', [0, 3]],
      ['frog', [1, 4]],
      ['truck', [2, 5]],
    ]);
    const byPredicted = mapColouring(map, 'predicted');
    expect(byPredicted.groups.map((g) => [g.label, g.points.length])).toEqual([
      ['not evaluated', 2],
      ['deer', 3],
      ['frog', 1],
    ]);
    const outcome = mapColouring(map, 'outcome');
    expect(outcome.groups.map((g) => [g.label, g.points])).toEqual([
      ['not evaluated', [4, 5]],
      ['right', [0, 1, 3]],
      ['wrong', [2]],
    ]);
    const tagged = mapColouring(map, 'tag', 'interesting');
    expect(tagged.groups.at(-1)).toMatchObject({ label: 'tagged "interesting"', points: [2, 5] });
    const mi = mapColouring(map, 'mi');
    expect(mi.scale).toEqual({ min: 0.1, max: 0.5, label: 'mutual information' });
    expect(mi.groups.flatMap((g) => g.points).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // the lowest value in the darkest bin, the highest in the lightest
    expect(mi.groups[0]).toMatchObject({ label: 'no samples (deterministic)', points: [2, 4, 5] });
    expect(mi.groups[1]?.points).toEqual([0]);
    expect(mi.groups.at(-1)?.points).toEqual([1]);
    expect(mi.groups[1]?.colour).not.toBe(mi.groups.at(-1)?.colour);
    // nothing to colour by: every point grey, no scale
    const background = mapColouring(map, 'background');
    expect(background.scale).toBeNull();
    expect(background.groups).toEqual([{ label: 'not explained', colour: '#c8c8c8', points: [0, 1, 2, 3, 4, 5] }]);
    // the chart: a data set per group, its legend naming the counts or the scale's ends
    const chart = mapChart(map, mi);
    expect(chart.data.datasets.map((d) => d.data.length).reduce((a, b) => a + b, 0)).toBe(6);
    expect(chart.data.datasets.map((d) => d.label).filter((l) => l !== '')).toEqual([
      'no samples (deterministic) (3)',
      'mutual information 0.10 (low)',
      'mutual information 0.50 (high)',
    ]);
  });

  it('is a figure with a caption that says how the map was made, or says how to make one', () => {
    const figure = chartFigure({ kind: 'map', runs: [figureRun], map, colourBy: 'outcome' });
    expect(figure.title).toBe('Embedding map: CNN #3');
    expect(figure.caption).toContain('UMAP of the features (64-d, the layer before the classifier head)');
    expect(figure.caption).toContain('seed 42, 15 neighbours, min_dist 0.1');
    expect(figure.caption).toContain('whether the prediction is right or wrong');
    expect(figure.alt).toContain('wrong: 1');
    expect(() => chartFigure({ kind: 'map', runs: [figureRun], map: null })).toThrow(
      'map: CNN #3 has no embedding map yet (run "casebook map --run 3")',
    );
  });
});

describe('the report', () => {
  it('has the maps of the runs that have one, by true class and by right/wrong', () => {
    const dir = tempDir('casebook-report-map-');
    const study = figureStudy(dir, { images: 60, annotated: 0, samples: 5, epochs: 2 });
    try {
      const model = reportModel(
        { figures: study.figures, cases: study.cases, datasets: study.datasets },
        study.ids,
        'none',
      );
      const section = model.sections.find((s) => s.heading === 'Embedding maps');
      const [first] = study.ids;
      // only the first run of the study has a map
      expect(section?.figures.map((f) => f.name)).toEqual([`map-${first}`, `map-${first}-outcome`]);
      expect(section?.figures[1]?.figure.caption).toContain('whether the prediction is right or wrong');
      expect(model.skipped).toEqual([]);
    } finally {
      study.db.close();
    }
  });
});
