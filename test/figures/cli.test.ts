import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureStudy, type FigureStudy } from '../../bench/figure-study';
import { runCli } from '../../src/main/cli';
import { GetCaseRequest } from '../../src/shared/contract';
import {
  caseBoxplotChart,
  chartFigure,
  curveChart,
  evaluationChart,
  reliabilityChart,
  runColour,
  type AnyChartConfiguration,
} from '../../src/shared/figures';
import { FigureService } from '../../src/main/lab/figures/service';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';
import { svgTexts } from './svg';

let dir: string;
let db: string;
let ids: number[];
let annotated: number[];
let figures: FigureService;
let study: FigureStudy;
let close: () => void;

beforeAll(() => {
  dir = tempDir('casebook-figure-cli-');
  study = figureStudy(dir, { images: 60, annotated: 3, samples: 20, epochs: 5 });
  db = join(dir, 'study.db');
  ids = study.ids;
  annotated = study.annotated;
  figures = study.figures;
  close = () => study.db.close();
});
afterAll(() => close());

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await runCli([...argv, '--db', db], io);
  return { code, out: io.out(), err: io.err() };
}

const axisTitles = (config: AnyChartConfiguration): string[] => {
  const scales = (config.options?.scales ?? {}) as Record<string, { title?: { text?: string } }>;
  return ['x', 'y'].map((axis) => scales[axis]?.title?.text ?? '');
};

describe('casebook figure', () => {
  it('writes an SVG whose title, axes and data are the screen definition’s', async () => {
    const out = join(dir, 'reliability.svg');
    const { code, out: stdout } = await cli(
      'figure',
      '--runs',
      ids.join(','),
      '--kind',
      'reliability',
      '--out',
      out,
      '--json',
    );
    expect(code).toBe(0);
    const line = JSON.parse(stdout) as { title: string; caption: string; format: string };
    expect(line.format).toBe('svg');
    // the app's compare view draws reliabilityChart over the same runs and colours
    const runs = ids.map((id) => figures.figureRun(id));
    const screen = reliabilityChart(
      runs.map((r) => ({ runId: r.run.id, colour: runColour(r.run), metrics: r.metrics! })),
    );
    const exported = chartFigure({ kind: 'reliability', runs });
    expect(exported.title).toBe(line.title);
    expect(axisTitles(exported.config)).toEqual(axisTitles(screen as unknown as AnyChartConfiguration));
    expect(exported.config.data.datasets.map((d) => d.data)).toEqual(screen.data.datasets.map((d) => d.data));
    const texts = svgTexts(readFileSync(out, 'utf8'));
    expect(texts).toContain(line.title);
    for (const axis of axisTitles(exported.config)) expect(texts).toContain(axis);
    expect(line.caption).toContain(`seed ${runs[0]!.run.config.seed}`);
    expect(line.caption).toContain('"bench"');
  });

  it('draws the same learning curves as the comparison screen', () => {
    const runs = ids.map((id) => figures.figureRun(id));
    const maxEpoch = Math.max(...runs.flatMap((r) => r.epochs.map((e) => e.epoch)));
    const screen = curveChart(
      runs.map((r) => ({ runId: r.run.id, colour: runColour(r.run), epochs: r.epochs })),
      { metric: 'loss', smoothing: 0, log: false, maxEpoch },
    );
    const exported = chartFigure({ kind: 'curves', runs });
    expect(exported.config.data.datasets.map((d) => d.data)).toEqual(screen.data.datasets.map((d) => d.data));
    expect(axisTitles(exported.config)).toEqual(['epoch', 'loss']);
  });

  it('draws one run’s calibration charts as its page does', () => {
    const run = figures.figureRun(ids[1]!);
    for (const kind of ['reliability', 'risk-coverage', 'convergence'] as const) {
      const screen = evaluationChart(kind, [{ runId: run.run.id, colour: runColour(run.run), metrics: run.metrics! }]);
      const exported = chartFigure({ kind, runs: [run] });
      expect(exported.config.data, kind).toEqual(screen.data);
      expect(axisTitles(exported.config), kind).toEqual(axisTitles(screen));
    }
  });

  it('writes the boxplots the case view draws: the same axes and datasets, a card being one run’s series', async () => {
    const index = annotated[0]!;
    const detail = study.cases.get(
      GetCaseRequest.parse({ datasetId: study.datasetId, split: 'test', index, runs: ids }),
    );
    expect(detail.runs.some((r) => r.boxplots !== null)).toBe(true);
    const exported = figures.build({ kind: 'boxplots', runIds: ids, image: { split: 'test', index }, metric: 'loss' });
    if (exported.kind === 'case') throw new Error('a chart figure was expected');
    const screen = caseBoxplotChart(detail);
    expect(axisTitles(exported.config)).toEqual(['class', 'probability']);
    expect(axisTitles(exported.config)).toEqual(axisTitles(screen as unknown as AnyChartConfiguration));
    expect(exported.config.data).toEqual(screen.data);
    detail.runs.forEach((run, position) => {
      const card = caseBoxplotChart(detail, { runId: run.runId, legend: false });
      expect(card.data.datasets).toEqual([screen.data.datasets[position]]);
    });
    const out = join(dir, 'boxplots.png');
    const { code, out: stdout } = await cli(
      'figure',
      '--runs',
      ids.join(','),
      '--kind',
      'boxplots',
      '--image',
      `test/${index}`,
      '--out',
      out,
      '--json',
    );
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { title: string }).title).toBe(exported.title);
    const meta = await sharp(readFileSync(out)).metadata();
    expect([meta.width, meta.height]).toEqual([exported.width, exported.height]);
  });

  it('writes a 3× PNG of a case with a caption of the user’s', async () => {
    const out = join(dir, 'case.png');
    const image = `test/${annotated[0]}`;
    const { code, out: stdout } = await cli(
      'figure',
      '--run',
      String(ids[0]),
      '--kind',
      'case',
      '--image',
      image,
      '--scale',
      '3',
      '--caption',
      'My caption',
      '--out',
      out,
      '--json',
    );
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { caption: string }).caption).toBe('My caption');
    const meta = await sharp(readFileSync(out)).metadata();
    const figure = figures.build({
      kind: 'case',
      runIds: [ids[0]!],
      image: { split: 'test', index: annotated[0]! },
      metric: 'loss',
    });
    expect([meta.width, meta.height]).toEqual([figure.width * 3, figure.height * 3]);
  });

  it('leaves an existing output whole when the figure cannot be made, and names the problem', async () => {
    const out = join(dir, 'keep.pdf');
    writeFileSync(out, 'old content');
    // a CNN is not sampled: no convergence
    const { code, err } = await cli('figure', '--run', String(ids[0]), '--kind', 'convergence', '--out', out);
    expect(code).toBe(1);
    expect(err).toContain('convergence: none of CNN #1 is sampled');
    expect(readFileSync(out, 'utf8')).toBe('old content');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('gives usage errors for a wrong extension, kind or image', async () => {
    expect((await cli('figure', '--run', '1', '--kind', 'curves', '--out', 'x.gif')).err).toContain(
      'must end in .png, .svg or .pdf',
    );
    expect((await cli('figure', '--run', '1', '--kind', 'pie', '--out', 'x.png')).code).toBe(2);
    expect(
      (await cli('figure', '--run', '1', '--kind', 'case', '--image', 'seventeen', '--out', 'x.png')).err,
    ).toContain('--image: "seventeen" is not an image');
    expect((await cli('figure', '--run', '1', '--kind', 'case', '--out', join(dir, 'x.png'))).err).toContain(
      'choose an image',
    );
  });
});

describe('casebook report --format md', () => {
  it('writes report.md and a PNG, an SVG and a PDF of every figure', async () => {
    const out = join(dir, 'md');
    const { code, out: stdout } = await cli(
      'report',
      '--runs',
      ids.join(','),
      '--format',
      'md',
      '--out',
      out,
      '--json',
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { cases: number; figures: number };
    expect(result.cases).toBe(3);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const files = readdirSync(join(out, 'figures'));
    expect(files.length).toBe(result.figures * 3);
    for (const link of md.match(/\(figures\/[^)]+\)/g) ?? [])
      expect(existsSync(join(out, link.slice(1, -1)))).toBe(true);
    // the note's markup is escaped, not live
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script>');
  });
});
