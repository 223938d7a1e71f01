// Figures fit for a paper (issue 18): each exported figure as the screen shows it, and size presets.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureStudy, type FigureStudy } from '../../bench/figure-study';
import { FigureRequest, type FigureRequest as FigureRequestInput } from '../../src/shared/contract';
import type { EpochMetrics } from '../../src/shared/contract';
import { drawChart } from '../../src/main/lab/figures/chart';
import { renderFigure, renderSvg } from '../../src/main/lab/figures/render';
import { SvgSurface } from '../../src/main/lab/figures/svg-context';
import {
  SERIES_COLOURS,
  chartFigure,
  curveChart,
  logTicks,
  type AnyChartConfiguration,
  type ChartFigure,
} from '../../src/shared/figures';
import { runCli } from '../../src/main/cli';
import { colormap } from '../../src/shared/heatmap';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';
import { svgRects, svgTextItems, svgTexts } from './svg';

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

/** An SVG of a chart configuration, drawn as the exporter draws it. */
function svgOf(config: AnyChartConfiguration, width = 640, height = 400): string {
  const surface = new SvgSurface(width, height);
  drawChart(config, surface, 1, () => undefined);
  return surface.toSvg();
}

/** The numeric labels of the y axis (the numbers left of the plot area). */
function yTickLabels(svg: string): string[] {
  const numbers = svgTextItems(svg).filter((t) => /^[\d.,e\-−]+$/.test(t.text) && t.text.length > 0);
  const left = Math.min(...numbers.map((t) => t.x));
  return numbers.filter((t) => Math.abs(t.x - left) < 1).map((t) => t.text);
}

const epochs = (losses: readonly number[]): EpochMetrics[] =>
  losses.map((loss, i) => ({
    epoch: i + 1,
    loss,
    accuracy: 0.5,
    valLoss: null,
    valAccuracy: null,
    seconds: 1,
    imagesPerSecond: 100,
  }));

describe('the log-scale loss axis', () => {
  it('labels at least 3 ticks over a range of more than a decade', () => {
    const config = curveChart(
      [{ runId: 1, label: 'CNN #1', colour: '#0072b2', epochs: epochs([1.9, 0.9, 0.5, 0.3, 0.15]) }],
      {
        metric: 'loss',
        smoothing: 0,
        log: true,
        maxEpoch: 5,
      },
    );
    // at the export's size and at a small one (a paper column, the screen's 14rem-high chart)
    for (const [width, height] of [
      [640, 400],
      [351, 220],
    ] as const) {
      const labels = yTickLabels(svgOf(config as unknown as AnyChartConfiguration, width, height));
      expect(labels.length, `${width} × ${height}`).toBeGreaterThanOrEqual(3);
    }
  });

  it('labels round values over less than a decade, every one of them', () => {
    const config = curveChart([{ runId: 1, colour: '#0072b2', epochs: epochs([0.9, 0.7, 0.5, 0.45, 0.4]) }], {
      metric: 'loss',
      smoothing: 0,
      log: true,
      maxEpoch: 5,
    });
    const labels = yTickLabels(svgOf(config as unknown as AnyChartConfiguration, 351, 220));
    expect(labels.map(Number).sort()).toEqual([0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  });

  it('picks round ticks: powers of ten over decades, else 1-2-5 and finer steps', () => {
    expect(logTicks(1, 1000)).toEqual([1, 10, 100, 1000]);
    expect(logTicks(0.15, 1.9)).toEqual([0.2, 0.5, 1]);
    expect(logTicks(0.4, 0.9)).toEqual([0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(logTicks(0.41, 0.48)).toEqual([0.41, 0.42, 0.43, 0.44, 0.45, 0.46, 0.47, 0.48]);
  });

  it('is exported when the screen shows it (the request carries the axis)', () => {
    const figure = chart({ kind: 'curves', metric: 'loss', log: true });
    const y = (figure.config.options?.scales as Record<string, { type?: string }> | undefined)?.y;
    expect(y?.type).toBe('logarithmic');
  });
});

describe('the reliability diagram of one run', () => {
  it('draws one rectangle per non-empty bin, with a gap between neighbours', () => {
    const id = study.ids[0] ?? 1;
    const figure = chart({ kind: 'reliability', runIds: [id] });
    const bins =
      study.figures.figureRun(id).metrics?.reliability.filter((bin) => bin.count > 0 && (bin.accuracy ?? 0) > 0) ?? [];
    const rects = svgRects(renderSvg(figure), SERIES_COLOURS.train);
    // the bars stand on the x axis (the legend's swatch does not): the bottom most rectangles share
    const bottoms = rects.map((r) => Math.round(r.y + r.h));
    const bottom =
      bottoms.sort((a, b) => bottoms.filter((v) => v === b).length - bottoms.filter((v) => v === a).length)[0] ?? 0;
    const bars = rects.filter((r) => r.h > 0.5 && Math.abs(r.y + r.h - bottom) < 1).sort((a, b) => a.x - b.x);
    expect(bars.length).toBe(bins.length);
    for (let i = 1; i < bars.length; i++) {
      const [left, right] = [bars[i - 1], bars[i]];
      if (!left || !right) continue;
      // neighbouring bins’ bars do not touch: a visible gap (3 px or more) between their fills
      if (right.x - left.x < left.w * 1.5) expect(right.x - (left.x + left.w)).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('legends', () => {
  /** The legend's swatches: the short paths drawn just left of each legend text. */
  function swatches(svg: string, labels: readonly string[]): Map<string, string> {
    const texts = svgTextItems(svg).filter((t) => labels.includes(t.text));
    // stroked paths only (an open path's fill draws nothing)
    const paths = [...svg.matchAll(/<path d="([^"]+)"([^>]*)\/>/g)]
      .map((m) => ({ d: m[1] ?? '', attributes: m[2] ?? '' }))
      .filter(({ attributes }) => attributes.includes('stroke='));
    const found = new Map<string, string>();
    for (const text of texts) {
      const near = paths.find(({ d }) => {
        const numbers = (d.match(/-?[\d.]+/g) ?? []).map(Number);
        const xs = numbers.filter((_, i) => i % 2 === 0);
        const ys = numbers.filter((_, i) => i % 2 === 1);
        return (
          xs.length > 0 &&
          Math.max(...xs) <= text.x + 1 &&
          Math.max(...xs) >= text.x - 40 &&
          Math.abs((Math.min(...ys) + Math.max(...ys)) / 2 - text.y) < 12
        );
      });
      if (near) found.set(text.text, `${near.d} ${near.attributes}`);
    }
    return found;
  }
  /** A swatch that is a line: a path of two points (M … L …), stroked. */
  const isLine = (swatch: string | undefined) => /^M[\d.-]+ [\d.-]+L[\d.-]+ [\d.-]+ .*stroke=/.test(swatch ?? '');

  it('draws a line for each line series and a box for bars (reliability of one run)', () => {
    const svg = renderSvg(chart({ kind: 'reliability', runIds: [study.ids[0] ?? 1] }));
    const found = swatches(svg, ['perfect calibration', 'accuracy per confidence bin']);
    expect(isLine(found.get('perfect calibration'))).toBe(true);
    expect(found.get('perfect calibration')).toContain('stroke-dasharray');
    expect(isLine(found.get('accuracy per confidence bin'))).toBe(false);
  });

  it('draws line swatches in the learning curves, dashed for training', () => {
    const one = renderSvg(chart({ kind: 'curves', runIds: [study.ids[0] ?? 1] }));
    const single = swatches(one, ['loss', 'val_loss']);
    expect(isLine(single.get('loss'))).toBe(true);
    expect(isLine(single.get('val_loss'))).toBe(true);
    const many = renderSvg(chart({ kind: 'curves' }));
    const texts = svgTextItems(many).map((t) => t.text);
    const training = texts.find((t) => / loss$/.test(t) && !t.includes('val')) ?? '';
    const found = swatches(many, [training]);
    expect(isLine(found.get(training))).toBe(true);
    expect(found.get(training)).toContain('stroke-dasharray');
  });
});

describe('captions', () => {
  it('say what the legend cannot, not what it shows (no colours or line styles)', () => {
    for (const runIds of [[study.ids[0] ?? 1], study.ids]) {
      const figure = chart({ kind: 'curves', runIds });
      expect(figure.caption).toMatch(/^Training and validation loss per epoch of /);
      expect(figure.caption).not.toMatch(/\b(blue|orange|dashed|solid)\b/);
      // the runs' settings are the caption's, the legend has only their names
      expect(figure.caption).toContain('batch');
    }
  });
});

describe('the metrics chart', () => {
  it('puts higher-is-better and lower-is-better metrics on axes of their own', () => {
    const figure = chart({ kind: 'metrics' });
    const scales = figure.config.options?.scales as Record<string, { title?: { text?: string }; position?: string }>;
    const labels = (figure.config.data as { labels: string[] }).labels;
    const datasets = figure.config.data.datasets as { yAxisID?: string; data: (number | null)[] }[];
    const directions = new Map<string, Set<string>>();
    for (const dataset of datasets) {
      const axis = dataset.yAxisID ?? 'y';
      const set = directions.get(axis) ?? new Set<string>();
      dataset.data.forEach((value, i) => {
        if (value !== null) set.add(labels[i]?.endsWith('↑') ? 'higher' : 'lower');
      });
      directions.set(axis, set);
    }
    // two axes, each holding one direction only, titled by it
    expect([...directions.values()].map((set) => [...set])).toEqual(expect.arrayContaining([['higher'], ['lower']]));
    for (const [axis, set] of directions) expect(scales[axis]?.title?.text).toContain(`${[...set][0]} is better`);
    const texts = svgTextItems(renderSvg(figure)).map((t) => t.text);
    expect(texts).toEqual(expect.arrayContaining(['higher is better ↑', 'lower is better ↓']));
    // the legend names each run once
    for (const id of study.ids) expect(texts.filter((t) => t.endsWith(`#${id}`) && !t.includes(':'))).toHaveLength(1);
  });
});

describe('intervals', () => {
  const runs = () => study.ids.map((id) => study.figures.figureRun(id));
  /** Error bars: stroked paths of three segments (the bar and its two caps). */
  const errorBars = (svg: string) =>
    [...svg.matchAll(/<path d="(M[^"]+)"[^>]*stroke=/g)].filter((m) => (m[1]?.match(/M/g) ?? []).length === 3).length;
  /** Bands: filled paths drawn at the band's opacity. */
  const bands = (svg: string) => (svg.match(/fill-opacity="0.18"/g) ?? []).length;

  it('draws an error bar per metric and run when given, none when not', () => {
    const given = runs().map((r) => ({
      ...r,
      intervals: {
        method: 'bootstrap over test images',
        metrics: {
          accuracy: { lo: (r.metrics?.accuracy ?? 0.5) - 0.03, hi: (r.metrics?.accuracy ?? 0.5) + 0.03 },
          ece: { lo: 0.01, hi: 0.05 },
        },
      },
    }));
    const withIntervals = chartFigure({ kind: 'metrics', runs: given });
    expect(errorBars(renderSvg(withIntervals))).toBe(given.length * 2);
    expect(withIntervals.caption).toContain('error bars: 95 % confidence intervals (bootstrap over test images)');
    const without = chartFigure({ kind: 'metrics', runs: runs() });
    expect(errorBars(renderSvg(without))).toBe(0);
    expect(without.caption).not.toContain('error bars');
  });

  it('draws an error bar per reliability bin and a band along curves, risk–coverage and convergence', () => {
    const one = runs()
      .slice(0, 1)
      .map((r) => ({
        ...r,
        intervals: {
          reliability: (r.metrics?.reliability ?? []).map((bin) =>
            bin.count > 0 && bin.accuracy !== null
              ? { lo: Math.max(0, bin.accuracy - 0.1), hi: Math.min(1, bin.accuracy + 0.1) }
              : null,
          ),
        },
      }));
    const shown = (one[0]?.metrics?.reliability ?? []).filter((bin) => bin.count > 0 && bin.accuracy !== null).length;
    expect(errorBars(renderSvg(chartFigure({ kind: 'reliability', runs: one })))).toBe(shown);

    const banded = runs().map((r) => ({
      ...r,
      intervals: {
        riskCoverage: (r.metrics?.riskCoverage ?? []).map(({ risk }) => ({ lo: risk * 0.8, hi: risk * 1.2 })),
        convergence: (r.metrics?.convergence ?? []).map(({ standardError }) => ({
          lo: standardError * 0.9,
          hi: standardError * 1.1,
        })),
        epochs: r.epochs.map((e) => ({ loss: { lo: e.loss * 0.9, hi: e.loss * 1.1 }, valLoss: null })),
      },
    }));
    expect(bands(renderSvg(chartFigure({ kind: 'risk-coverage', runs: banded })))).toBe(banded.length);
    const sampled = banded.filter((r) => (r.metrics?.convergence.length ?? 0) > 0);
    expect(bands(renderSvg(chartFigure({ kind: 'convergence', runs: sampled })))).toBe(sampled.length);
    // the training loss of each run has a band, the validation loss none
    const curves = chartFigure({ kind: 'curves', runs: banded });
    expect(bands(renderSvg(curves))).toBe(banded.length);
    expect(curves.caption).toContain('shaded bands: 95 % confidence intervals');
    expect(bands(renderSvg(chartFigure({ kind: 'curves', runs: banded.slice(0, 1) })))).toBe(1);
  });
});

describe('the case panel', () => {
  it('exports the overlay the screen shows: its colormap and opacity (casebook figure --colormap --opacity)', async () => {
    const out = join(dir, 'case.svg');
    const io = captureIo();
    const args = [
      'figure',
      '--runs',
      study.ids.join(','),
      '--kind',
      'case',
      '--image',
      `test/${study.annotated[0] ?? 0}`,
    ];
    const code = await runCli(
      [...args, '--colormap', 'inferno', '--opacity', '0.55', '--out', out, '--json', '--db', join(dir, 'study.db')],
      io,
    );
    expect(code, io.err()).toBe(0);
    const printed = JSON.parse(io.out()) as { caption: string };
    expect(printed.caption).toContain('blended over the image at 55 % (inferno)');
    const svg = readFileSync(out, 'utf8');
    expect(svgTexts(svg).join(' ')).toContain('Grad-CAM (inferno, blended at 55 %)');
    // the colorbar's top step is inferno's, not viridis's
    const [r, g, b] = colormap('inferno', 1 - 0.5 / 48);
    expect(svg).toContain(`fill="#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}"`);
    const bad = captureIo();
    expect(await runCli([...args, '--colormap', 'jet', '--out', out, '--db', join(dir, 'study.db')], bad)).not.toBe(0);
    expect(bad.err()).toMatch(/colormap/);
  });
});

describe('the per-class boxplots', () => {
  it('export as a figure of their own (casebook figure --kind class-boxplots)', async () => {
    const out = join(dir, 'class-boxplots.svg');
    const io = captureIo();
    const code = await runCli(
      [
        'figure',
        '--run',
        String(study.ids[1]),
        '--kind',
        'class-boxplots',
        '--out',
        out,
        '--json',
        '--db',
        join(dir, 'study.db'),
      ],
      io,
    );
    expect(code, io.err()).toBe(0);
    const printed = JSON.parse(io.out()) as { title: string; caption: string };
    const texts = svgTexts(readFileSync(out, 'utf8'));
    expect(texts).toContain(printed.title);
    const classes = study.datasets.get(study.datasetId).classes;
    for (const name of classes) {
      expect(texts.some((t) => t.startsWith(`true ${name} (`))).toBe(true);
      expect(texts).toContain(`p(${name})`);
    }
    expect(printed.caption).toMatch(
      /over the test images of each true class, (every one of the T = \d+ samples|over the images' mean)/,
    );
  });
});

describe('size presets', () => {
  /** pdftotext's word boxes: height = the font's ascent + descent (1.117 em in Liberation Sans). */
  function words(pdf: string): { text: string; height: number }[] {
    const out = execFileSync('pdftotext', ['-bbox', pdf, '-']).toString();
    return [...out.matchAll(/<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<\/word>/g)].map(
      (m) => ({ text: m[3] ?? '', height: Number(m[2]) - Number(m[1]) }),
    );
  }
  const pageSize = (pdf: string) => {
    const match = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(execFileSync('pdfinfo', [pdf]).toString());
    return { width: Number(match?.[1]), height: Number(match?.[2]) };
  };

  it('makes a PDF as wide as a column (234 pt) or a page (486 pt) with text at 8 or 9 pt', async () => {
    for (const [size, width, points] of [
      ['column', 234, 8],
      ['page', 486, 9],
    ] as const) {
      for (const kind of ['curves', 'metrics', 'reliability', 'confusion'] as const) {
        const figure = build({ kind, size });
        const file = join(dir, `${kind}-${size}.pdf`);
        writeFileSync(file, await renderFigure(figure, 'pdf'));
        const page = pageSize(file);
        expect(page.width, `${kind} ${size}`).toBeCloseTo(width, 1);
        expect(page.height).toBeGreaterThan(width * 0.5);
        // the tick labels (numbers, upright) are at the paper's size
        const ticks = words(file).filter((w) => /^\d+(\.\d+)?$/.test(w.text) && w.text.length <= 4);
        expect(ticks.length, `${kind} ${size}`).toBeGreaterThan(3);
        const sizes = ticks.map((w) => w.height / 1.117);
        if (kind !== 'confusion') for (const pt of sizes) expect(pt, `${kind} ${size}`).toBeCloseTo(points, 1);
        // the confusion matrix's counts may be larger, never smaller
        else expect(Math.min(...sizes)).toBeGreaterThan(points - 0.05);
      }
    }
  });

  it('writes the SVG at the printed size and the PNG at 300 dpi', async () => {
    const figure = build({ kind: 'reliability', size: 'column' });
    const svg = renderSvg(figure);
    expect(svg).toMatch(/<svg [^>]*width="234pt"/);
    // the drawing's 12 px text, scaled by the viewBox into 234 pt: 8 pt
    const viewBox = Number(/viewBox="0 0 ([\d.]+) /.exec(svg)?.[1]);
    const sizes = svgTextItems(svg).map((t) => (t.size * 234) / viewBox);
    expect(Math.min(...sizes)).toBeCloseTo(8, 5);
    const png = await sharp(await renderFigure(figure, 'png')).metadata();
    expect(png.width).toBe(Math.round((234 / 72) * 300));
    expect(png.density).toBe(300);
  });

  it('refuses a size for the case panel and --scale with a size, naming them', async () => {
    expect(() => build({ kind: 'case', size: 'page', image: { split: 'test', index: 0 } })).toThrow(
      /size: .*case panel/,
    );
    const io = captureIo();
    const args = ['figure', '--run', '1', '--kind', 'curves', '--size', 'column', '--scale', '2'];
    expect(await runCli([...args, '--out', join(dir, 'x.png'), '--db', join(dir, 'study.db')], io)).not.toBe(0);
    expect(io.err()).toMatch(/--scale goes with the screen size/);
  });
});
