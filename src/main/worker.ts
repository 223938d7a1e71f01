/**
 * The worker process: runs heavy jobs (imports, training) off the UI and main threads and streams
 * progress back. Started with child_process.fork (Node) or utilityProcess.fork (Electron).
 * It exits at once when its parent is gone (the parent owns the runs it trains), even while it is
 * still loading: the parent watch is set up before the job code (TensorFlow.js) is imported, and
 * messages that arrive meanwhile are kept.
 */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  postMessage(message: unknown): void;
}

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

const orphaned = () => process.exit(0);
const early: unknown[] = [];
let receive: (message: unknown) => void = (message) => {
  early.push(message);
};

if (electronPort) {
  electronPort.on('message', (event) => receive(event.data));
  // not a documented parentPort event (only 'message' is); harmless if never emitted: the
  // re-parenting check below is what catches a dead Electron main process
  electronPort.on('close', orphaned);
} else {
  process.on('message', (message) => receive(message));
  // the IPC channel closes when the parent dies (or lets go of this worker)
  process.on('disconnect', orphaned);
}

// Whatever the channel says: re-parented (the parent died) means orphaned.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) orphaned();
}, 500).unref();

const { workerCore } = await import('./lab/jobs/worker-core');
receive = workerCore((message) => {
  if (electronPort) electronPort.postMessage(message);
  else process.send?.(message);
});
for (const message of early.splice(0)) receive(message);

export {};
