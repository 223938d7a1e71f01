/**
 * The worker process: runs heavy jobs (imports, training) off the UI and main threads and streams
 * progress back. Started with child_process.fork (Node) or utilityProcess.fork (Electron).
 */
import { workerCore } from './lab/jobs/worker-core';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

const receive = workerCore((message) => {
  if (electronPort) electronPort.postMessage(message);
  else process.send?.(message);
});

if (electronPort) electronPort.on('message', (event) => receive(event.data));
else process.on('message', receive);
