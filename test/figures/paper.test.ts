// Figures fit for a paper (issue 18): each exported figure as the screen shows it, and size presets.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureStudy, type FigureStudy } from '../../bench/figure-study';
import { FigureRequest, type FigureRequest as FigureRequestInput } from '../../src/shared/contract';
import { renderSvg } from '../../src/main/lab/figures/render';
import type { ChartFigure } from '../../src/shared/figures';
import { tempDir } from '../helpers/lab';
import { svgTextItems } from './svg';

let dir: string;
let study: FigureStudy;

beforeAll(() => {
  dir = tempDir('casebook-paper-');
  study = figureStudy(dir, { images: 90, annotated: 2, samples: 20, epochs: 8 });
});
afterAll(() => {
  study.db.close();
  rmSync(dir, { recursive: true, force: true });
});

const build = (request: Partial<FigureRequestInput> & { kind: FigureRequestInput['kind'] }) =>
  study.figures.build(FigureRequest.parse({ runIds: study.ids, ...request }));
const chart = (request: Parameters<typeof build>[0]) => build(request) as ChartFigure;

describe('the confusion matrix', () => {
  it('exports rows top to bottom in the order of the true classes, as the screen’s table', () => {
    const figure = chart({ kind: 'confusion', runIds: [study.ids[0] ?? 1] });
    const classes = study.datasets.get(study.datasetId).classes;
    const texts = svgTextItems(renderSvg(figure));
    // the y axis's labels are right-aligned left of the plot; the x axis's are under it
    const left = Math.min(...texts.filter((t) => classes.includes(t.text)).map((t) => t.x));
    const rows = classes.map((name) => texts.find((t) => t.text === name && t.x === left)?.y ?? NaN);
    expect(rows.every(Number.isFinite)).toBe(true);
    expect([...rows].sort((a, b) => a - b)).toEqual(rows);
    // the first row's counts are drawn in the top row of cells
    const metrics = study.figures.figureRun(study.ids[0] ?? 1).metrics;
    const first = String(metrics?.confusion[0]?.[0]);
    const cell = texts.filter((t) => t.text === first).sort((a, b) => a.y - b.y)[0];
    const nearest = rows.map((y) => Math.abs(y - (cell?.y ?? NaN)));
    expect(nearest.indexOf(Math.min(...nearest))).toBe(0);
  });
});
