/**
 * A report as one file for the app to download: report.html as it is, or the Markdown report's
 * folder (report.md and figures/) as a zip holding that folder, since a download is one file.
 */
import { zipSync, type Zippable } from 'fflate';
import type { z } from 'zod';
import type { MadeReport, MakeReportRequest, ReportProgress } from '../../../shared/contract';
import { buildReport } from './report';
import type { ReportSources } from './report-model';

export type MakeReportArgs = z.output<typeof MakeReportRequest>;

/** "casebook-report-runs-1-2-3". */
export const reportBaseName = (runIds: readonly number[]): string => `casebook-report-runs-${runIds.join('-')}`;

/** Makes the report and packs it as one file; `onProgress` hears of every figure drawn. */
export async function makeReportFile(
  sources: ReportSources,
  request: MakeReportArgs,
  onProgress: (progress: Omit<ReportProgress, 'reportId'>) => void = () => undefined,
): Promise<MadeReport> {
  const built = await buildReport(sources, {
    runIds: request.runIds,
    cases: request.cases,
    format: request.format,
    onProgress,
  });
  const base = reportBaseName(request.runIds);
  const summary = { format: request.format, figures: built.figures, cases: built.cases, skipped: built.skipped };
  if (request.format === 'html') {
    const html = built.files.get(built.main) ?? '';
    const bytes = typeof html === 'string' ? Buffer.from(html, 'utf8') : html;
    return {
      ...summary,
      fileName: `${base}.html`,
      mimeType: 'text/html',
      base64: bytes.toString('base64'),
    };
  }
  onProgress({ stage: 'packing', done: built.figures, total: built.figures });
  const folder: Zippable = {};
  for (const [path, bytes] of built.files)
    // PNG and PDF are compressed already: stored; text deflated
    folder[path] = [
      typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : new Uint8Array(bytes),
      { level: /\.(png|pdf)$/.test(path) ? 0 : 6 },
    ];
  const zip = zipSync({ [base]: folder });
  return {
    ...summary,
    fileName: `${base}.zip`,
    mimeType: 'application/zip',
    base64: Buffer.from(zip).toString('base64'),
  };
}
