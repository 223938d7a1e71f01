/**
 * Calls `stop` once on the first SIGINT or SIGTERM; later signals are swallowed while it runs
 * (so a second Ctrl-C does not kill a shutdown half-way). Returns a function that unregisters.
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): () => void {
  let stopped = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopped) return;
    stopped = true;
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
