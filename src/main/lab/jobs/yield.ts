/**
 * Lets the event loop turn once. A job's loop (training batches, evaluation chunks) awaits only
 * promises that TensorFlow.js settles at once, so without this no timer, IPC message (cancel) or
 * parent 'disconnect' would be handled until the job ends. Costs microseconds per step.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
