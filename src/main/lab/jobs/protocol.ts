/**
 * Messages between a door (Electron main, the HTTP server, the CLI) and the worker process that
 * runs heavy jobs. Both directions are validated: they cross a process boundary.
 */
import { z } from 'zod';
import {
  BackgroundTestRequest,
  eventNames,
  ExplainRequest,
  Id,
  ImportRequest,
  ImportResult,
  MapRequest,
  Progress,
} from '../../../shared/contract';

export const JobSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('import'), request: ImportRequest }),
  /** `lease`: the generation of the owner's claim on the run; the trainer writes only while it is current. */
  z.object({ kind: z.literal('train'), runId: Id, lease: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('evaluate'), runId: Id, samples: z.number().int().positive().optional() }),
  z.object({ kind: z.literal('explain'), request: ExplainRequest }),
  z.object({ kind: z.literal('map'), request: MapRequest }),
  z.object({ kind: z.literal('features'), runId: Id }),
  z.object({ kind: z.literal('background'), request: BackgroundTestRequest }),
]);
export type JobSpec = z.output<typeof JobSpec>;

export const ToWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run'), jobId: z.string(), databasePath: z.string(), job: JobSpec }),
  /** `reason: 'shutdown'`: Casebook is stopping; a training run becomes interrupted, not cancelled. */
  z.object({ type: z.literal('cancel'), jobId: z.string(), reason: z.enum(['cancel', 'shutdown']).optional() }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

export const FromWorker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), jobId: z.string(), progress: Progress }),
  /** A contract event raised by the job (validated against the contract by the manager). */
  z.object({
    type: z.literal('event'),
    jobId: z.string(),
    name: z.enum(eventNames as [string, ...string[]]),
    payload: z.unknown(),
  }),
  z.object({ type: z.literal('done'), jobId: z.string(), result: ImportResult.nullable() }),
  z.object({ type: z.literal('failed'), jobId: z.string(), error: z.string(), cancelled: z.boolean() }),
]);
export type FromWorker = z.infer<typeof FromWorker>;

/** The abort reason of a job stopped because Casebook is shutting down. */
export const SHUTDOWN_REASON = 'shutdown';

export function stoppedForShutdown(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason === SHUTDOWN_REASON;
}
