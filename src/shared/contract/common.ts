/**
 * What every concern of the contract shares: ids, the result envelope, job descriptions and
 * the shape of a request's declaration. No Node and no DOM in this folder.
 */
import { z } from 'zod';

export const Id = z.number().int().positive();
export const Split = z.enum(['train', 'test']);
export type Split = z.infer<typeof Split>;

/** The input of a request that takes nothing. */
export const Empty = z.object({}).strict();

/** How each concern declares a request: a schema for what comes in and one for what goes out. */
export interface RequestSpec {
  input: z.ZodType;
  output: z.ZodType;
}

/** Result envelope: no exception ever crosses a process boundary. */
export const ErrorInfo = z.object({
  code: z.enum(['bad-request', 'not-found', 'conflict', 'failed', 'unavailable', 'unauthorized']),
  message: z.string(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** Formats a zod error as "field: problem; field: problem". */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
}

/** A background job (import, training, evaluation, explanation): every concern that starts one answers with it. */
export const JobKind = z.enum(['import', 'train', 'evaluate', 'explain']);
export const JobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export const JobInfo = z.object({
  id: z.string(),
  kind: JobKind,
  title: z.string(),
  status: JobStatus,
  error: z.string().nullable(),
});
export type JobInfo = z.infer<typeof JobInfo>;

export const Progress = z.object({
  phase: z.string(),
  /** Units done and total units; total is null when unknown. */
  done: z.number().nonnegative(),
  total: z.number().nonnegative().nullable(),
  unit: z.enum(['bytes', 'images', 'files', 'steps']),
});
export type Progress = z.infer<typeof Progress>;
