/**
 * What every concern of the contract shares: ids, the result envelope, job descriptions and
 * the shape of a request's declaration. No Node and no DOM in this folder.
 */
import { z } from 'zod';

export const Id = z.number().int().positive();
export const Split = z.enum(['train', 'test']);
export type Split = z.infer<typeof Split>;

/** Text that is not well-formed Unicode: a lone surrogate (String.prototype.isWellFormed, ES2024). */
const LONE_SURROGATE = /\p{Cs}/u;
/** Bidirectional controls (embeddings, overrides, isolates, marks), which reorder what is shown. */
export const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
/** Nothing visible: blanks, format characters (zero-width ones) and default-ignorable code points only. */
export const INVISIBLE = /^[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}]*$/u;

/** Well-formed Unicode: SQLite stores it as valid UTF-8 that every client reads. */
export const UnicodeText = z
  .string()
  .refine((text) => !LONE_SURROGATE.test(text), 'must be well-formed Unicode (it holds a lone surrogate)');

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

/** A background job (import, training, evaluation, explanation, features, embedding map, background test): every concern that starts one answers with it. */
export const JobKind = z.enum(['import', 'train', 'evaluate', 'explain', 'features', 'map', 'background']);
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
