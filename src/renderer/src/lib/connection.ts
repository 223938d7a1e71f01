/** Browser mode's live connection: its states, the reconnect backoff and what to tell the user (pure, no DOM). */

/**
 * The state of the event stream: `connecting` until the first open; `reconnecting` while the
 * server is away (retried with backoff); `lost` once it has been away for `LOST_AFTER_MS` (still
 * retried); `unauthorized` when the server answers but refuses this tab's login (not retried).
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'lost' | 'unauthorized';

/** After this long without the server, the tab says what to do instead of just "Reconnecting…". */
export const LOST_AFTER_MS = 15_000;

/** The wait before reconnect attempt `attempt` (0-based): 0.5 s doubling to at most 5 s. */
export function retryDelay(attempt: number): number {
  return Math.min(5_000, 500 * 2 ** Math.max(0, Math.min(attempt, 10)));
}

/** What the user should do in a connection state (null: nothing). `host` is this tab's host:port. */
export function connectionAdvice(state: ConnectionState, host: string): string | null {
  if (state === 'unauthorized') {
    return (
      "This tab's login is from an older Casebook session: open the URL Casebook printed when it started " +
      '(`npm start` or `casebook serve`).'
    );
  }
  if (state === 'lost') {
    return (
      `Casebook is not answering at ${host}. If it restarted on another port: open the URL it printed. ` +
      'If it stopped: start it again (`npm start` or `casebook serve`); this tab reconnects by itself.'
    );
  }
  return null;
}
