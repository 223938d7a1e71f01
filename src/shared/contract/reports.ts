/**
 * Reports made in the app: the same report as `casebook report` (one self-contained HTML file, or
 * Markdown with its figures, delivered as a zip of the report's folder), answered as bytes for the
 * page to download or save, with progress events while its figures are drawn.
 */
import { z } from 'zod';
import { Id, Split, type RequestSpec } from './common';

export const ReportFormat = z.enum(['html', 'md']);
export type ReportFormat = z.infer<typeof ReportFormat>;
/** As many cases as a report can sensibly hold (each is a figure). */
export const MAX_REPORT_CASES = 200;

export const ReportCasesChoice = z.union([
  /** Every image with a tag or a note (the default), or none. */
  z.enum(['annotated', 'none']),
  z
    .array(z.object({ split: Split.default('test'), index: z.number().int().nonnegative() }))
    .min(1, 'name at least one image, or choose "annotated" or "none"')
    .max(MAX_REPORT_CASES, `at most ${MAX_REPORT_CASES} cases in a report`),
]);

export const MakeReportRequest = z.object({
  /** The runs it shows, in order; all on one dataset. */
  runIds: z.array(Id).min(1, 'choose at least one run').max(8, 'at most 8 runs in a report'),
  cases: ReportCasesChoice.default('annotated'),
  format: ReportFormat.default('html'),
  /** Names this report in its reportProgress events (the page that asked picks it). */
  reportId: z.string().min(1).max(64).optional(),
});
export type MakeReportRequest = z.input<typeof MakeReportRequest>;

export const MadeReport = z.object({
  /** "casebook-report-runs-1-2-3.html" or "….zip" (Markdown: report.md and figures/ in one folder). */
  fileName: z.string(),
  mimeType: z.string(),
  /** The file's bytes, base64. */
  base64: z.string(),
  format: ReportFormat,
  figures: z.number().int().nonnegative(),
  cases: z.number().int().nonnegative(),
  /** Figures and cases that could not be made, each with the reason. */
  skipped: z.array(z.string()),
});
export type MadeReport = z.infer<typeof MadeReport>;

export const ReportProgress = z.object({
  reportId: z.string(),
  stage: z.enum(['gathering', 'drawing', 'packing']),
  /** Figures drawn so far of `total` (0 of 0 while gathering). */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type ReportProgress = z.infer<typeof ReportProgress>;

export const reportRequests = {
  /** A report of runs, made by the main side (the CLI's report), answered as a file to download. */
  makeReport: { input: MakeReportRequest, output: MadeReport },
} as const satisfies Record<string, RequestSpec>;

export const reportEvents = {
  /** How far a report asked with a reportId is. */
  reportProgress: ReportProgress,
} as const satisfies Record<string, z.ZodType>;
