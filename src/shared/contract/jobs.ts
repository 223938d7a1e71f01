/** Jobs: the background work queue (imports, training, evaluation, explanation) and its progress. */
import { z } from 'zod';
import { Empty, JobInfo, Progress, type RequestSpec } from './common';
import { ImportResult } from './datasets';

export const jobRequests = {
  listJobs: { input: Empty, output: z.array(JobInfo) },
  cancelJob: { input: z.object({ jobId: z.string() }), output: JobInfo },
} as const satisfies Record<string, RequestSpec>;

export const jobEvents = {
  jobProgress: z.object({ jobId: z.string(), progress: Progress }),
  jobFinished: z.object({ job: JobInfo, result: ImportResult.nullable() }),
} as const satisfies Record<string, z.ZodType>;
