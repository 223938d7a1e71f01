/**
 * The training thread: a worker_threads entry (built to out/main/train-thread.js) holding the
 * second model replica of two-thread data-parallel training (lab/training/parallel.ts).
 */
import { parentPort } from 'node:worker_threads';
import { replicaMain } from './lab/training/parallel';

if (parentPort === null) throw new Error('train-thread must run as a worker thread');
await replicaMain(parentPort);
