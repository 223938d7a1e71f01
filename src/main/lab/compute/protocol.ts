/**
 * The compute thread's messages: the main thread asks for one computation at a time by id; the
 * thread answers with progress (reports), then the value or the error (its contract code kept).
 */
import type { ErrorInfo, ReportProgress } from '../../../shared/contract';

/** The requests the thread computes: the statistics, the figures (a metrics figure bootstraps) and the report. */
export const COMPUTED = ['compareRuns', 'compareGroups', 'describeFigure', 'exportFigure', 'makeReport'] as const;
export type ComputedName = (typeof COMPUTED)[number];

export interface ComputeAsk {
  type: 'run';
  id: number;
  databasePath: string;
  name: ComputedName;
  /** The request's input, parsed already (its zod output). */
  input: unknown;
}

export type ComputeReply =
  | { type: 'progress'; id: number; progress: Omit<ReportProgress, 'reportId'> }
  | { type: 'done'; id: number; value: unknown }
  | {
      type: 'failed';
      id: number;
      error: { code: ErrorInfo['code']; message: string; sqliteCode?: string | undefined };
    };
