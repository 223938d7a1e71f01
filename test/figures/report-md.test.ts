// The Markdown report rendered by a CommonMark parser (markdown-it, with GitHub's tables): whatever
// the notes and tags hold, every case figure is an image, the headings after a case are headings,
// a note stays inside its quote and reads as typed, and it is written once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureStudy, type FigureStudy } from '../../bench/figure-study';
import { mdInline, mdQuote } from '../../src/main/lab/figures/markdown';
import { writeReport } from '../../src/main/lab/figures/report';
import { tempDir } from '../helpers/lab';

/** The notes of the issue (19, part 2), one per case. */
const NOTES = [
  'First paragraph of the note.\n\nSecond paragraph, which used to leave the figure.',
  'A fence from the alt text:\n~~~\nrest of the report',
  'A bare CR\r~~~\rrest of the report',
  'Lines that leave a quote:\r- item\r1. item\r<div>\r    code\r# heading\r---\r===\r> more\r+ plus\r2) two',
  'Inline: *em* _em_ **strong** `code` [link](http://evil.example) ![img](x.png) <b>b</b> &amp; | pipe ~~del~~ \\',
  'CRLF\r\n\r\n    indented code after a blank line\r\n```\r\nfence',
];
const TAGS = ['*star*', '[x](y)', '- dash'];

let dir: string;
let study: FigureStudy;
const md = new MarkdownIt('default', { html: true });
type Token = ReturnType<typeof md.parse>[number];

beforeAll(() => {
  dir = tempDir('casebook-report-md-');
  study = figureStudy(dir, { images: 180, annotated: NOTES.length, samples: 10, epochs: 3 });
  study.annotated.forEach((index, n) =>
    study.cases.annotate({
      datasetId: study.datasetId,
      split: 'test',
      index,
      addTags: n === 0 ? TAGS : [],
      removeTags: [],
      note: NOTES[n] ?? '',
    }),
  );
}, 60_000);
afterAll(() => study.db.close());

/** The text a reader sees of inline tokens (hard breaks as newlines). */
function inlineText(tokens: readonly Token[]): string {
  return tokens
    .map((t) => {
      if (t.type === 'text' || t.type === 'code_inline') return t.content;
      if (t.type === 'hardbreak' || t.type === 'softbreak') return '\n';
      if (t.type === 'image') return `[image]`;
      return '';
    })
    .join('');
}

/** The note as the report should show it: CR normalised, each line trimmed, blank lines as one. */
const shown = (note: string): string =>
  note
    .split(/\r\n?|\n/)
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{2,}/g, '\n\n')
    .trim();

describe('the Markdown report', () => {
  it('keeps every case a heading, an image, a caption and a quote, whatever the notes hold', async () => {
    const out = join(dir, 'md');
    const result = await writeReport(
      { figures: study.figures, cases: study.cases, datasets: study.datasets },
      { runIds: study.ids, cases: 'annotated', dir: out, format: 'md' },
    );
    expect(result.cases).toBe(NOTES.length);
    const source = readFileSync(result.file, 'utf8');
    expect(source).not.toContain('\r');
    const tokens = md.parse(source, {});

    // nothing live: no HTML, no code, no list or heading but the report's own
    const types = new Set(tokens.map((t) => t.type));
    for (const type of ['html_block', 'fence', 'code_block', 'ordered_list_open', 'hr'])
      expect(types.has(type), type).toBe(false);
    for (const t of tokens.filter((t) => t.type === 'inline'))
      expect((t.children ?? []).filter((c) => c.type === 'html_inline' || c.type === 'code_inline')).toEqual([]);

    // the headings: the report's own, then one per case, in order, nothing else
    const headings = tokens.flatMap((t, i) =>
      t.type === 'heading_open' ? [`${t.tag} ${inlineText(tokens[i + 1]?.children ?? [])}`] : [],
    );
    // the report orders its cases by index
    const order = [...study.annotated].sort((a, b) => a - b);
    const caseHeadings = order.map((index) => expect.stringMatching(new RegExp(`^h3 test image ${index}: `)));
    expect(headings).toEqual([
      expect.stringMatching(/^h1 Casebook report: .* on "bench"$/),
      'h2 Dataset',
      'h2 Runs',
      'h2 Metrics compared',
      'h3 For a write-up',
      'h2 Metrics',
      'h2 Learning curves',
      'h2 Calibration',
      'h2 Confusion matrices',
      // the study's first run has an embedding map
      'h2 Embedding maps',
      'h2 Explanations',
      'h2 Cases',
      ...caseHeadings,
    ]);
    expect(source).not.toContain('&quot;');
    // the metrics compared: intervals, and one sentence per (metric, run other than the baseline)
    expect(source).toMatch(/\| accuracy ↑ \| \d+\\\.\d % \\\[\d+\.\d, \d+\.\d\\\]/);
    expect(source.match(/^- .*'s .* \(95 % CI .*test images\): .*\.$/gm)).toHaveLength(7 * (study.ids.length - 1));

    // each case: heading, a paragraph that is only its image, the caption, tags, reasons, the quote
    order.forEach((index, n) => {
      const note = NOTES[study.annotated.indexOf(index)] ?? '';
      const at = tokens.findIndex(
        (t, i) =>
          t.type === 'heading_open' && t.tag === 'h3' && tokens[i + 1]?.content.startsWith(`test image ${index}:`),
      );
      expect(at, `case ${index}`).toBeGreaterThan(0);
      // heading_open, inline, heading_close, paragraph_open, inline (the image alone), paragraph_close
      expect(tokens[at + 3]?.type).toBe('paragraph_open');
      const image = tokens[at + 4]?.children ?? [];
      expect(image.map((c) => c.type)).toEqual(['image']);
      expect(image[0]?.attrGet('src')).toBe(`figures/case-test-${index}.png`);
      expect(inlineText(image[0]?.children ?? [])).toMatch(new RegExp(`^Test image ${index}, a `));
      // the caption: one emphasised paragraph, then the links
      const caption = tokens[at + 7]?.children ?? [];
      expect(caption[0]?.type).toBe('em_open');
      expect(caption.filter((c) => c.type === 'link_open').map((c) => c.attrGet('href'))).toEqual([
        `figures/case-test-${index}.svg`,
        `figures/case-test-${index}.pdf`,
      ]);
      // the quote: it holds paragraphs only, and reads as the note was typed
      const open = tokens.findIndex((t, i) => i > at && t.type === 'blockquote_open');
      const close = tokens.findIndex((t, i) => i > open && t.type === 'blockquote_close' && t.level === 0);
      const inside = tokens.slice(open + 1, close);
      expect(new Set(inside.map((t) => t.type))).toEqual(new Set(['paragraph_open', 'inline', 'paragraph_close']));
      const text = inside
        .filter((t) => t.type === 'inline')
        .map((t) => inlineText(t.children ?? []))
        .join('\n\n');
      expect(text).toBe(`Note: ${shown(note)}`);
      // the next top-level block after the quote is the next case's heading (or the end)
      const next = tokens[close + 1];
      if (n < order.length - 1) expect(next?.type).toBe('heading_open');
      else expect(next).toBeUndefined();
    });

    // tags read as typed
    const tagLine = tokens.find(
      (t) => t.type === 'inline' && t.content.startsWith('**Tags:**') && t.content.includes('star'),
    );
    expect(inlineText(tagLine?.children ?? [])).toBe(`Tags: ${[...TAGS, 'interesting'].sort().join(', ')}`);

    // the note is written once: not again in the caption or the alt text
    const marker = 'Second paragraph, which used to leave the figure.';
    expect(source.split(marker).length - 1).toBe(1);
  }, 120_000);

  it('escapes one-line text and quotes for CommonMark', () => {
    const render = (text: string) => md.render(text);
    expect(render(mdInline('- a\n\n# b'))).toBe('<p>- a # b</p>\n');
    expect(render(mdInline('1. x'))).toBe('<p>1. x</p>\n');
    expect(render(mdInline('<script>alert(1)</script> & "q"'))).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;</p>\n',
    );
    expect(render(mdQuote('**Note:**', 'a\r    code\r\rb'))).toBe(
      '<blockquote>\n<p><strong>Note:</strong> a<br>\ncode</p>\n<p>b</p>\n</blockquote>\n',
    );
  });
});
