/** An exported learning-curves figure naming a seed group draws it as one mean curve with a min–max band. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportFigureRequest, FigureRequest } from '../../src/shared/contract';
import type { EpochMetrics } from '../../src/shared/contract';
import { CaseService } from '../../src/main/lab/cases/cases';
import { renderFigure } from '../../src/main/lab/figures/render';
import { FigureService } from '../../src/main/lab/figures/service';
import { MapStore } from '../../src/main/lab/store/maps';
import { openStores } from '../../src/main/lab/store/index';
import { ExplanationStore } from '../../src/main/lab/store/explanations';
import { statStudy, type StatStudy } from '../evaluation/stats/study';
import { runCli } from '../../src/main/cli';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';
import { svgTexts } from './svg';

let dir: string;
let s: StatStudy;
let figures: FigureService;
let seeds: number[];
let alone: number;

/** Epoch e of seed k: losses that differ per seed, so the mean and the band are not one seed's. */
const epochOf = (k: number, e: number): EpochMetrics => ({
  epoch: e,
  loss: 1 / e + 0.1 * k,
  accuracy: 0.5 + 0.1 * e - 0.02 * k,
  valLoss: 1.2 / e + 0.15 * k,
  valAccuracy: 0.45 + 0.1 * e - 0.03 * k,
  seconds: 1,
  imagesPerSecond: 100,
});

beforeAll(() => {
  dir = tempDir('casebook-group-figure-');
  s = statStudy(join(dir, 'study.db'));
  seeds = [1, 2, 3].map((seed) => s.addRun({ right: (i) => i % 2 === 0, config: { seed } }));
  alone = s.addRun({ right: (i) => i % 3 === 0, config: { seed: 9, learningRate: 0.01 } });
  seeds.forEach((id, k) => {
    for (let e = 1; e <= 4; e++) s.runs.recordEpoch(id, epochOf(k, e), { best: null, checkpoints: {} });
  });
  for (let e = 1; e <= 4; e++) s.runs.recordEpoch(alone, epochOf(5, e), { best: null, checkpoints: {} });
  const explanations = new ExplanationStore(s.db);
  const cases = new CaseService(openStores(s.db));
  figures = new FigureService({ ...s, explanations, maps: new MapStore(s.db), cases });
});
afterAll(() => {
  s.db.close();
  rmSync(dir, { recursive: true, force: true });
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('a seed group in an exported figure', () => {
  it('is one line per series, the mean of its runs’ curves, with a min–max band the legend names', async () => {
    // the group named by its second run: every run of it is drawn, as one
    const request = FigureRequest.parse({ kind: 'curves', runIds: [alone], groups: [seeds[1]], metric: 'loss' });
    const figure = figures.build(request);
    if (figure.kind === 'case') throw new Error('a chart was expected');
    const datasets = figure.config.data.datasets as { label?: string; data: { x: number; y: number | null }[] }[];
    const groupLabel = 'CNN #1 (3 seeds: mean, min–max band)';
    expect(datasets.map((d) => d.label)).toEqual([
      'CNN #4 loss',
      'CNN #4 val_loss',
      `${groupLabel} loss`,
      `${groupLabel} val_loss`,
    ]);
    const runsCurves = seeds.map((id) => s.runs.epochs(id));
    const groupTrain = datasets[2]?.data ?? [];
    const groupHeld = datasets[3]?.data ?? [];
    for (let e = 1; e <= 4; e++) {
      expect(groupTrain[e - 1]?.y).toBeCloseTo(mean(runsCurves.map((c) => c[e - 1]?.loss ?? NaN)), 12);
      expect(groupHeld[e - 1]?.y).toBeCloseTo(mean(runsCurves.map((c) => c[e - 1]?.valLoss ?? NaN)), 12);
    }
    expect(figure.title).toBe('Learning curves (loss): CNN #4 and CNN #1 (3 seeds)');
    expect(figure.caption).toContain('the seed group of CNN #1 (seeds 1, 2, 3;');
    expect(figure.caption).toContain('shaded band from the lowest to the highest seed (min–max)');

    // the SVG: the group's legend entry once per series, its band as a filled shape in its colour
    const svg = (await renderFigure(figure, 'svg', 1)).toString('utf8');
    const texts = svgTexts(svg);
    expect(texts.filter((t) => t.startsWith(groupLabel))).toEqual([`${groupLabel} loss`, `${groupLabel} val_loss`]);
    expect(texts.some((t) => /^CNN #[23]\b/.test(t))).toBe(false);
    const bands = [...svg.matchAll(/<path [^>]*fill="(#[0-9a-f]{6})" fill-opacity="[0-9.]+"/gi)].map((m) =>
      m[1]?.toLowerCase(),
    );
    const colour = s.runs.get(seeds[0] ?? 0).colour.toLowerCase();
    // one band per series of the group (loss, val_loss), none for the run alone
    expect(bands).toEqual([colour, colour]);
    expect(s.runs.get(alone).colour.toLowerCase()).not.toBe(colour);

    // and the PNG is drawn at the figure's size
    const png = await renderFigure(figure, 'png', 1);
    expect((await sharp(png).metadata()).width).toBe(figure.width);
  });

  it('is named in the file name and refused where it cannot be drawn, naming why', async () => {
    const exported = await figures.export(
      ExportFigureRequest.parse({ kind: 'curves', groups: [seeds[0]], format: 'svg' }) as Parameters<
        FigureService['export']
      >[0],
    );
    expect(exported.fileName).toBe(`curves-loss-groups-${seeds[0]}.svg`);
    expect(() => figures.build(FigureRequest.parse({ kind: 'metrics', groups: [seeds[0]] }))).toThrow(
      /groups: only learning curves draw a seed group/,
    );
    expect(() => figures.build(FigureRequest.parse({ kind: 'curves', groups: [alone] }))).toThrow(
      /groups: run #4 is in no seed group/,
    );
    expect(() => figures.build(FigureRequest.parse({ kind: 'curves', groups: [seeds[0], seeds[2]] }))).toThrow(
      /name the same seed group/,
    );
    expect(() =>
      figures.build(FigureRequest.parse({ kind: 'curves', runIds: [seeds[0]], groups: [seeds[1]] })),
    ).toThrow(/named among the runs and in its seed group/);
    expect(() => figures.build(FigureRequest.parse({ kind: 'curves' }))).toThrow(/choose at least one run/);
  });

  it('is drawn by casebook figure --groups', async () => {
    const out = join(dir, 'group.svg');
    const io = captureIo();
    const code = await runCli(
      [
        'figure',
        '--groups',
        String(seeds[2]),
        '--kind',
        'curves',
        '--out',
        out,
        '--json',
        '--db',
        join(dir, 'study.db'),
      ],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect((JSON.parse(io.out()) as { title: string }).title).toBe('Learning curves (loss): CNN #1 (3 seeds)');
    expect(svgTexts(readFileSync(out, 'utf8'))).toContain('CNN #1 (3 seeds: mean, min–max band) val_loss');
  });
});
