import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureStudy, type FigureStudy } from '../../bench/figure-study';
import { FigureRequest } from '../../src/shared/contract';
import { FIGURE_KINDS, type FigureKind } from '../../src/shared/figures';
import { renderFigure, renderSvg } from '../../src/main/lab/figures/render';
import { tempDir } from '../helpers/lab';
import { svgTexts, wellFormed } from './svg';

let dir: string;
let study: FigureStudy;

/** poppler's pdftoppm renders the PDF (Debian: poppler-utils, which .ci/run installs). */
const pdftoppm = (() => {
  try {
    execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    console.log('The PDF rendering test is skipped: pdftoppm is not installed (apt-get install poppler-utils).');
    return false;
  }
})();

beforeAll(() => {
  dir = tempDir('casebook-figures-');
  study = figureStudy(dir, { images: 60, annotated: 4, samples: 20, epochs: 6 });
});
afterAll(() => {
  study.db.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = (kind: FigureKind, runIds = study.ids) =>
  FigureRequest.parse({ kind, runIds, image: { split: 'test', index: study.annotated[0] ?? 0 } });

describe('figures rendered in Node', () => {
  it('draws the metric comparison with the compare view’s bootstrap intervals as error bars, and says so', () => {
    const figure = study.figures.build(request('metrics'));
    const stats = study.figures.compareStats(study.ids);
    const accuracy = stats.estimates.find((e) => e.metric === 'accuracy' && e.runId === study.ids[0]);
    expect(accuracy?.ci).not.toBeNull();
    expect(figure.caption).toMatch(/95 % .*bootstrap over 60 test images, B = 2,000/);
    // the intervals the figure was given are the compare view's, run by run
    const runs = study.figures.withMetricIntervals(study.ids.map((id) => study.figures.figureRun(id)));
    expect(runs[0]?.intervals?.metrics?.accuracy).toEqual({ lo: accuracy?.ci?.[0], hi: accuracy?.ci?.[1] });
  });

  it('draws every kind as an SVG holding its title and axis labels as text', () => {
    for (const kind of FIGURE_KINDS) {
      const figure = study.figures.build(request(kind, kind === 'convergence' ? study.ids.slice(1) : study.ids));
      const svg = renderSvg(figure);
      expect(wellFormed(svg), kind).toBe(true);
      const texts = svgTexts(svg);
      expect(texts, kind).toContain(figure.title);
      if (figure.kind !== 'case') {
        const scales = (figure.config.options?.scales ?? {}) as Record<string, { title?: { text?: string } }>;
        for (const axis of ['x', 'y']) expect(texts, `${kind} ${axis}`).toContain(scales[axis]?.title?.text);
      } else {
        expect(texts).toContain('probability');
        expect(texts.join(' ')).toContain('<script>alert(1)</script>');
      }
    }
  });

  it('writes a 2× PNG with exactly twice the pixels each way', async () => {
    for (const kind of ['reliability', 'case'] as const) {
      const figure = study.figures.build(request(kind));
      const one = await sharp(await renderFigure(figure, 'png', 1)).metadata();
      const two = await sharp(await renderFigure(figure, 'png', 2)).metadata();
      expect([one.width, one.height]).toEqual([figure.width, figure.height]);
      expect([two.width, two.height]).toEqual([figure.width * 2, figure.height * 2]);
      const stats = await sharp(await renderFigure(figure, 'png', 1)).stats();
      // not blank: the channels vary
      expect(stats.channels[0]?.stdev ?? 0).toBeGreaterThan(5);
    }
  });

  it.runIf(pdftoppm)('writes a vector PDF that poppler renders to a page that is not blank', async () => {
    const out = join(dir, 'pdf');
    mkdirSync(out, { recursive: true });
    const figure = study.figures.build(request('case'));
    const pdf = await renderFigure(figure, 'pdf');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    writeFileSync(join(out, 'case.pdf'), pdf);
    execFileSync('pdftoppm', ['-png', '-r', '36', '-singlefile', join(out, 'case.pdf'), join(out, 'page')]);
    expect(existsSync(join(out, 'page.png'))).toBe(true);
    const stats = await sharp(readFileSync(join(out, 'page.png'))).stats();
    expect(stats.channels[0]?.stdev ?? 0).toBeGreaterThan(5);
    // the title is text in the PDF, not paths
    const text = execFileSync('pdftotext', [join(out, 'case.pdf'), '-']).toString();
    expect(text).toContain('true');
  });
});

describe('a look at every figure (CASEBOOK_FIGURES_OUT=dir writes them)', () => {
  it('renders every kind in every format', async () => {
    const out = process.env.CASEBOOK_FIGURES_OUT;
    for (const kind of FIGURE_KINDS) {
      const figure = study.figures.build(request(kind, kind === 'convergence' ? study.ids.slice(1) : study.ids));
      for (const format of ['png', 'svg', 'pdf'] as const) {
        const bytes = await renderFigure(figure, format, format === 'png' ? 2 : 1);
        expect(bytes.length).toBeGreaterThan(1000);
        if (out) {
          mkdirSync(out, { recursive: true });
          writeFileSync(join(out, `${kind}.${format}`), bytes);
        }
      }
    }
  });
});
