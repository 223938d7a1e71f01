import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureStudy, type FigureStudy } from '../../bench/figure-study';
import { writeReport, userText } from '../../src/main/lab/figures/report';
import { tempDir } from '../helpers/lab';

let dir: string;
let study: FigureStudy;

beforeAll(() => {
  dir = tempDir('casebook-report-');
  study = figureStudy(dir, { images: 60, annotated: 2, samples: 20, epochs: 5 });
});
afterAll(() => study.db.close());

describe('the HTML report', () => {
  it('shows markup in user text as text', () => {
    expect(userText('<script>alert(1)</script> & <b>x</b>')).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt;',
    );
  });

  it('opens offline in Chromium with no failed request, no console error, and the note as text', async () => {
    const out = join(dir, 'html');
    const result = await writeReport(
      { figures: study.figures, cases: study.cases, datasets: study.datasets },
      { runIds: study.ids, cases: 'annotated', dir: out, format: 'html' },
    );
    expect(result.cases).toBe(2);
    expect(readFileSync(result.file, 'utf8')).not.toMatch(/<script/i);
    const browser = await chromium.launch({
      executablePath: process.env.CASEBOOK_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const context = await browser.newContext({ offline: true });
      const page = await context.newPage();
      const problems: string[] = [];
      const dialogs: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
      page.on('requestfailed', (request) => problems.push(`request: ${request.url().slice(0, 80)}`));
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(pathToFileURL(result.file).href, { waitUntil: 'load' });
      const notes = await page.locator('[data-note]').allTextContents();
      expect(notes).toHaveLength(2);
      expect(notes[0]).toContain('<script>alert(1)</script>');
      // every figure decoded (an image that failed would have no natural width)
      const widths = await page
        .locator('figure img')
        .evaluateAll((images) => images.map((image) => (image as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths.length).toBeGreaterThanOrEqual(7);
      expect(widths.every((w) => w > 0)).toBe(true);
      expect(await page.locator('h2').allTextContents()).toEqual(
        expect.arrayContaining([
          'Dataset',
          'Runs',
          'Metrics compared',
          'Metrics',
          'Learning curves',
          'Calibration',
          'Explanations',
          'Cases',
        ]),
      );
      // one sentence per (metric, run other than the baseline), each with its interval and test
      const sentences = await page.locator('ul.sentences li').allTextContents();
      expect(sentences).toHaveLength(7 * (study.ids.length - 1));
      for (const sentence of sentences) expect(sentence).toMatch(/\(95 % CI .+; (McNemar|paired bootstrap) p [=<] /);
      expect(problems).toEqual([]);
      expect(dialogs).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
