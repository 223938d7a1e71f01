// The report made in the app: one file (HTML, or the Markdown report's folder zipped), asked
// through the Lab's door like any request, with progress events while its figures are drawn.
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureStudy, type FigureStudy } from '../../bench/figure-study';
import { inProcessLauncher } from '../../src/main/lab/jobs/manager';
import { Lab } from '../../src/main/lab/lab';
import type { MadeReport, ReportProgress } from '../../src/shared/contract';
import { tempDir } from '../helpers/lab';

let dir: string;
let study: FigureStudy;
let lab: Lab;
const progress: ReportProgress[] = [];

beforeAll(() => {
  dir = tempDir('casebook-report-file-');
  study = figureStudy(dir, { images: 60, annotated: 3, samples: 20, epochs: 5 });
  lab = new Lab({
    databasePath: join(dir, 'study.db'),
    mode: 'browser',
    version: 'test',
    launch: inProcessLauncher,
    emit: (name, payload) => {
      if (name === 'reportProgress') progress.push(payload as ReportProgress);
    },
  });
});
afterAll(() => {
  lab.close();
  study.db.close();
});

async function make(input: Record<string, unknown>): Promise<MadeReport> {
  const result = await lab.dispatch('makeReport', input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('makeReport', () => {
  it('answers the HTML report as one file, telling its progress figure by figure', async () => {
    progress.length = 0;
    const made = await make({ runIds: study.ids, reportId: 'html-1' });
    expect(made).toMatchObject({
      fileName: `casebook-report-runs-${study.ids.join('-')}.html`,
      mimeType: 'text/html',
      format: 'html',
      cases: 3,
    });
    const html = Buffer.from(made.base64, 'base64').toString('utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<figure /g)).toHaveLength(made.figures);
    // one event per figure (and the first and last), in order, all for this report
    expect(progress.every((p) => p.reportId === 'html-1')).toBe(true);
    expect(progress[0]).toMatchObject({ stage: 'gathering' });
    const drawing = progress.filter((p) => p.stage === 'drawing');
    expect(drawing.map((p) => p.done)).toEqual(Array.from({ length: made.figures + 1 }, (_, i) => i));
    expect(drawing.at(-1)).toMatchObject({ done: made.figures, total: made.figures });
  });

  it('zips the Markdown report as its folder: report.md and every figure it links', async () => {
    progress.length = 0;
    const made = await make({
      runIds: study.ids,
      cases: [{ index: study.annotated[0] }],
      format: 'md',
      reportId: 'md',
    });
    expect(made).toMatchObject({ mimeType: 'application/zip', format: 'md', cases: 1 });
    const base = `casebook-report-runs-${study.ids.join('-')}`;
    expect(made.fileName).toBe(`${base}.zip`);
    const files = unzipSync(Buffer.from(made.base64, 'base64'));
    const markdown = strFromU8(files[`${base}/report.md`] ?? new Uint8Array());
    const linked = [...markdown.matchAll(/\]\((figures\/[^)]+)\)/g)].map((m) => `${base}/${m[1]}`);
    expect(linked.length).toBe(made.figures * 3);
    for (const path of linked) expect(files[path]?.length ?? 0, path).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ stage: 'packing' });
  });

  it('refuses bad input with the field named, and a deleted run by its id', async () => {
    expect(await lab.dispatch('makeReport', { runIds: [], format: 'html' })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringMatching(/runIds: choose at least one run/) },
    });
    expect(await lab.dispatch('makeReport', { runIds: study.ids, format: 'pdf' })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringMatching(/^makeReport: format/) },
    });
    expect(await lab.dispatch('makeReport', { runIds: [999] })).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: expect.stringMatching(/run.* 999/) },
    });
  });
});
