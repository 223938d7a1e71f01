/**
 * Writes a report: one self-contained HTML file (figures inlined as SVG data: URIs, no script, a
 * policy that forbids any, opens offline) or report.md with a figures/ folder (PNG, SVG and PDF of
 * each figure). User text (notes, tags, captions) is sanitised: markup shows as text.
 */
import { join } from 'node:path';
import sanitizeHtml from 'sanitize-html';
import { writeFileAtomically } from '../export/atomic';
import { mdInline, mdQuote } from './markdown';
import { renderFigure, renderSvg } from './render';
import {
  reportModel,
  type ReportCases,
  type ReportComparison,
  type ReportFigure,
  type ReportModel,
  type ReportSources,
  type ReportTable,
} from './report-model';

export type ReportFormat = 'html' | 'md';

/** Plain text for HTML: every tag, script included, shows as text; nothing is dropped. */
export function userText(text: string): string {
  return sanitizeHtml(text, { allowedTags: [], allowedAttributes: {}, disallowedTagsMode: 'recursiveEscape' }).replace(
    /\r\n?|\n/g,
    '<br>',
  );
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);

function htmlTable(table: ReportTable): string {
  const head = table.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

function figureHtml(report: ReportFigure, svgOf: (figure: ReportFigure) => string): string {
  const { name, figure } = report;
  const svg = Buffer.from(svgOf(report), 'utf8').toString('base64');
  return `<figure id="${escapeHtml(name)}"><img src="data:image/svg+xml;base64,${svg}" width="${figure.width}" height="${figure.height}" alt="${escapeHtml(figure.alt)}"><figcaption>${userText(figure.caption)}</figcaption></figure>`;
}

const STYLE = `body{font:15px/1.5 'Liberation Sans',Arial,Helvetica,sans-serif;color:#1f2328;max-width:1060px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d4da}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #d0d4da;padding:.25rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}
figure{margin:1.2rem 0}figure img{max-width:100%;height:auto;border:1px solid #eef0f3}figcaption{font-size:.85rem;color:#444;max-width:70ch}
.note{white-space:normal;border-left:3px solid #2563eb;padding:.25rem .75rem;background:#f5f7fb}.muted{color:#667}`;

function htmlComparison(c: ReportComparison): string {
  return `<h2>Metrics compared</h2>
<p>${escapeHtml(c.method)}</p>
${htmlTable(c.table)}
${c.notes.map((n) => `<p class="muted">${escapeHtml(n)}</p>`).join('\n')}
${c.sentences.length > 0 ? `<h3>For a write-up</h3>\n<ul class="sentences">${c.sentences.map((t) => `<li>${escapeHtml(t)}</li>`).join('')}</ul>` : ''}`;
}

export function reportHtml(
  model: ReportModel,
  svgOf: (figure: ReportFigure) => string = (f) => renderSvg(f.figure),
): string {
  const htmlFigure = (f: ReportFigure): string => figureHtml(f, svgOf);
  const sections = model.sections
    .filter((s) => s.figures.length > 0)
    .map(
      (s) => `<h2>${escapeHtml(s.heading)}</h2>\n<p>${escapeHtml(s.text)}</p>\n${s.figures.map(htmlFigure).join('\n')}`,
    )
    .join('\n');
  const cases = model.cases
    .map(
      (c) => `<section class="case"><h3>${escapeHtml(c.heading)}</h3>
${htmlFigure(c.panel)}
${c.tags.length > 0 ? `<p><strong>Tags:</strong> ${c.tags.map(userText).join(', ')}</p>` : ''}
${c.reasons.length > 0 ? `<ul>${c.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : ''}
${c.neighbours.length > 0 ? `<p><strong>Nearest training images</strong> (cosine distance of each run's features):</p><ul data-neighbours>${c.neighbours.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
${c.strip ? htmlFigure(c.strip) : ''}
${c.note.trim().length > 0 ? `<div class="note" data-note><strong>Note:</strong> ${userText(c.note)}</div>` : ''}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(model.title)}</h1>
<p class="muted">Made by Casebook on ${escapeHtml(model.created)}.</p>
<h2>Dataset</h2>
<p>"${escapeHtml(model.dataset.name)}" (${escapeHtml(model.dataset.kind)}, images ${model.dataset.imageShape.join(' × ')}), content hash <code>${escapeHtml(model.dataset.contentHash.slice(0, 12))}</code>.</p>
${htmlTable(model.datasetTable)}
<h2>Runs</h2>
${htmlTable(model.runsTable)}
${model.comparison ? htmlComparison(model.comparison) : ''}
${sections}
<h2>Explanations</h2>
${model.explanationTable ? `<p>Deletion check: the mean drop of the explained class's probability when the top 20 % of pixels by Grad-CAM (or a random 20 %) is replaced by the image mean; background share: the map's mass in the outer ring (25 % of the area).</p>\n${htmlTable(model.explanationTable)}` : '<p>No run is explained yet.</p>'}
<h2>Cases</h2>
${cases.length > 0 ? cases : '<p>No case chosen.</p>'}
${model.skipped.length > 0 ? `<h2>Left out</h2><ul>${model.skipped.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>` : ''}
</body>
</html>
`;
}

function mdTable(table: ReportTable): string {
  const cell = (text: string) => mdInline(text);
  return [
    `| ${table.head.map(cell).join(' | ')} |`,
    `| ${table.head.map((_h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The files of a report, by path inside its folder ("report.md", "figures/metrics.png"). */
export type ReportFiles = Map<string, Buffer | string>;

/** How far a report is: figures drawn of all it has (`stage` says what is being done). */
export interface ReportProgress {
  stage: 'gathering' | 'drawing' | 'packing';
  done: number;
  total: number;
}

export interface ReportOptions {
  runIds: readonly number[];
  cases: ReportCases;
  format: ReportFormat;
  /** Told before each figure is drawn and once at the end; the event loop runs between figures. */
  onProgress?: (progress: ReportProgress) => void;
}

/** Lets the event loop run (a request, a progress event) between two figures. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Draws each figure as PNG (2×), SVG and PDF into files' figures/; returns its Markdown. */
async function mdFigure(files: ReportFiles, { name, figure }: ReportFigure): Promise<string> {
  for (const format of ['png', 'svg', 'pdf'] as const)
    files.set(`figures/${name}.${format}`, await renderFigure(figure, format, format === 'png' ? 2 : 1));
  return `![${mdInline(figure.alt)}](figures/${name}.png)\n\n*${mdInline(figure.caption)}* ([SVG](figures/${name}.svg), [PDF](figures/${name}.pdf))`;
}

async function reportMarkdown(
  model: ReportModel,
  files: ReportFiles,
  drawn: (name: string) => Promise<void>,
): Promise<string> {
  const figure = async (f: ReportFigure): Promise<string> => {
    await drawn(f.name);
    return mdFigure(files, f);
  };
  const parts = [
    `# ${mdInline(model.title)}`,
    `Made by Casebook on ${model.created}.`,
    '## Dataset',
    `"${mdInline(model.dataset.name)}" (${model.dataset.kind}, images ${model.dataset.imageShape.join(' × ')}).`,
    mdTable(model.datasetTable),
    '## Runs',
    mdTable(model.runsTable),
  ];
  const c = model.comparison;
  if (c) {
    parts.push('## Metrics compared', mdInline(c.method), mdTable(c.table), ...c.notes.map(mdInline));
    if (c.sentences.length > 0) parts.push('### For a write-up', c.sentences.map((t) => `- ${mdInline(t)}`).join('\n'));
  }
  for (const section of model.sections.filter((s) => s.figures.length > 0)) {
    parts.push(`## ${section.heading}`, section.text);
    for (const f of section.figures) parts.push(await figure(f));
  }
  parts.push('## Explanations', model.explanationTable ? mdTable(model.explanationTable) : 'No run is explained yet.');
  parts.push('## Cases');
  if (model.cases.length === 0) parts.push('No case chosen.');
  for (const c of model.cases) {
    parts.push(`### ${mdInline(c.heading)}`, await figure(c.panel));
    if (c.tags.length > 0) parts.push(`**Tags:** ${c.tags.map(mdInline).join(', ')}`);
    if (c.reasons.length > 0) parts.push(c.reasons.map((r) => `- ${mdInline(r)}`).join('\n'));
    if (c.neighbours.length > 0)
      parts.push(
        "**Nearest training images** (cosine distance of each run's features):",
        c.neighbours.map((n) => `- ${mdInline(n)}`).join('\n'),
      );
    if (c.strip) parts.push(await figure(c.strip));
    if (c.note.trim().length > 0) parts.push(mdQuote('**Note:**', c.note));
  }
  if (model.skipped.length > 0) parts.push('## Left out', model.skipped.map((s) => `- ${mdInline(s)}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

export interface ReportResult {
  file: string;
  figures: number;
  cases: number;
  skipped: string[];
}

export interface BuiltReport extends Omit<ReportResult, 'file'> {
  /** The main file's path in `files`: report.html or report.md. */
  main: string;
  files: ReportFiles;
}

/**
 * Makes the report in memory: report.html alone, or report.md with figures/ (PNG, SVG, PDF). The
 * figures are drawn one at a time with the event loop free between them, `onProgress` told of each.
 */
export async function buildReport(sources: ReportSources, options: ReportOptions): Promise<BuiltReport> {
  const tell = options.onProgress ?? (() => undefined);
  tell({ stage: 'gathering', done: 0, total: 0 });
  const model = reportModel(sources, options.runIds, options.cases);
  const figures = caseFigures(model).length + model.sections.reduce((n, s) => n + s.figures.length, 0);
  let done = 0;
  const drawn = async (): Promise<void> => {
    tell({ stage: 'drawing', done: done++, total: figures });
    await breathe();
  };
  const files: ReportFiles = new Map();
  const main = options.format === 'html' ? 'report.html' : 'report.md';
  files.set(
    main,
    options.format === 'html' ? await reportHtmlDrawn(model, drawn) : await reportMarkdown(model, files, drawn),
  );
  tell({ stage: 'drawing', done: figures, total: figures });
  return { main, files, figures, cases: model.cases.length, skipped: model.skipped };
}

/** The cases' figures: each case's panel and, where a run has features, its neighbour strip. */
const caseFigures = (model: ReportModel): ReportFigure[] =>
  model.cases.flatMap((c) => (c.strip ? [c.panel, c.strip] : [c.panel]));

/** reportHtml, with the event loop let run (and progress told) before each figure's SVG is drawn. */
async function reportHtmlDrawn(model: ReportModel, drawn: () => Promise<void>): Promise<string> {
  const svgs = new Map<ReportFigure, string>();
  for (const f of [...model.sections.flatMap((s) => s.figures), ...caseFigures(model)]) {
    await drawn();
    svgs.set(f, renderSvg(f.figure));
  }
  return reportHtml(model, (f) => svgs.get(f) ?? renderSvg(f.figure));
}

/** Writes the report into `dir` (report.html, or report.md and figures/), each file atomically. */
export async function writeReport(
  sources: ReportSources,
  options: { runIds: readonly number[]; cases: ReportCases; dir: string; format: ReportFormat },
): Promise<ReportResult> {
  const built = await buildReport(sources, options);
  for (const [path, bytes] of built.files) writeFileAtomically(join(options.dir, path), bytes);
  return { file: join(options.dir, built.main), figures: built.figures, cases: built.cases, skipped: built.skipped };
}
