/**
 * The compute thread: a worker_threads entry (built to out/main/compute-thread.js) computing the
 * comparisons and reports off the main process's event loop (lab/compute/thread.ts).
 */
import { parentPort } from 'node:worker_threads';
import { computeMain } from './lab/compute/thread';

if (parentPort === null) throw new Error('compute-thread must run as a worker thread');
computeMain(parentPort);
