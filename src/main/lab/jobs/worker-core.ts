import { errorMessage } from './errors';
import { SHUTDOWN_REASON, ToWorker, type FromWorker } from './protocol';
import { isAbort, runJob } from './run';

/**
 * The worker side of the job protocol: takes `run` and `cancel` messages, answers with progress,
 * events and the outcome. Used by the worker process and by the in-process launcher alike.
 */
export function workerCore(send: (message: FromWorker) => void): (raw: unknown) => void {
  const controllers = new Map<string, AbortController>();
  return (raw) => {
    const parsed = ToWorker.safeParse(raw);
    if (!parsed.success) {
      console.error(`worker: ignoring a malformed message: ${parsed.error.message}`);
      return;
    }
    const message = parsed.data;
    if (message.type === 'cancel') {
      controllers.get(message.jobId)?.abort(message.reason === 'shutdown' ? SHUTDOWN_REASON : undefined);
      return;
    }
    const { jobId } = message;
    const controller = new AbortController();
    controllers.set(jobId, controller);
    runJob(message.job, {
      databasePath: message.databasePath,
      signal: controller.signal,
      onProgress: (progress) => send({ type: 'progress', jobId, progress }),
      onEvent: (name, payload) => send({ type: 'event', jobId, name, payload }),
    })
      .then(
        (result) => send({ type: 'done', jobId, result }),
        (error: unknown) => send({ type: 'failed', jobId, error: errorMessage(error), cancelled: isAbort(error) }),
      )
      .finally(() => controllers.delete(jobId));
  };
}
