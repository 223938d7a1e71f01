/**
 * The worker process: runs one heavy job at a time, off the UI and main threads, and streams
 * progress back. Started with child_process.fork (Node) or utilityProcess.fork (Electron).
 */
import { errorMessage } from './lab/jobs/manager';
import { ToWorker, type FromWorker } from './lab/jobs/protocol';
import { isAbort, runJob } from './lab/jobs/run';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: FromWorker): void {
  if (electronPort) electronPort.postMessage(message);
  else process.send?.(message);
}

const controllers = new Map<string, AbortController>();

function receive(raw: unknown): void {
  const parsed = ToWorker.safeParse(raw);
  if (!parsed.success) {
    console.error(`worker: ignoring a malformed message: ${parsed.error.message}`);
    return;
  }
  const message = parsed.data;
  if (message.type === 'cancel') {
    controllers.get(message.jobId)?.abort();
    return;
  }
  const controller = new AbortController();
  controllers.set(message.jobId, controller);
  runJob(message.job, {
    databasePath: message.databasePath,
    signal: controller.signal,
    onProgress: (progress) => send({ type: 'progress', jobId: message.jobId, progress }),
  })
    .then(
      (result) => send({ type: 'done', jobId: message.jobId, result }),
      (error: unknown) =>
        send({ type: 'failed', jobId: message.jobId, error: errorMessage(error), cancelled: isAbort(error) }),
    )
    .finally(() => controllers.delete(message.jobId));
}

if (electronPort) electronPort.on('message', (event) => receive(event.data));
else process.on('message', receive);
