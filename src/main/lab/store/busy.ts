/**
 * Another process holding the database's write lock. SQLite's own wait for it (`busy_timeout`)
 * sleeps on the calling thread: fine for the CLI and the worker, which have nothing else to do,
 * but on the process that answers the app's requests it freezes every request behind one write.
 * That process keeps the wait short and retries off the event loop (`retryWhileBusy`) up to a
 * deadline, and then says so in words: `DatabaseBusyError` (503 over HTTP; the same words in the
 * CLI for SQLite's "database is locked").
 */
import { UnavailableError } from '../errors';

export const BUSY_MESSAGE = 'the database is busy (another Casebook process is writing); try again';

/** The database stayed locked by another process for longer than the request could wait. */
export class DatabaseBusyError extends UnavailableError {
  override name = 'DatabaseBusyError';
  constructor() {
    super(BUSY_MESSAGE);
  }
}

/** How long one attempt waits for the lock inside SQLite (blocking), and how long retries go on. */
export interface BusyPolicy {
  /** `busy_timeout` of the connection: SQLite's blocking wait for the lock, per statement. */
  timeoutMs: number;
  /** How long a request is retried, off the event loop, before it is answered "busy". */
  deadlineMs: number;
}

/** The process that answers the app's requests (the Electron main process, `casebook serve`). */
export const RESPONSIVE_BUSY: BusyPolicy = { timeoutMs: 5, deadlineMs: 5_000 };

/** A process with nothing else to do meanwhile (a CLI command): SQLite's blocking wait of 10 s. */
export const BLOCKING_BUSY: BusyPolicy = { timeoutMs: 10_000, deadlineMs: 0 };

/** True for SQLite's SQLITE_BUSY (and its extended codes) and for a DatabaseBusyError. */
export function isBusy(error: unknown): boolean {
  if (error instanceof DatabaseBusyError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * The pause before retry `attempt` (0, 1, …): 20 ms doubling to 250 ms, with jitter so that
 * waiters spread; long beside the few milliseconds an attempt may block, so the loop stays free.
 */
export function busyBackoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(250, 20 * 2 ** attempt);
  return base * (0.5 + random() / 2);
}

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY, pausing between tries (off the event
 * loop) until `deadlineMs` have passed; then throws a DatabaseBusyError. `retryable` is asked after
 * each busy failure: false (the attempt wrote something before it failed, the process is stopping)
 * ends the retries at once.
 */
export async function retryWhileBusy<T>(
  attempt: () => T | Promise<T>,
  options: { deadlineMs: number; retryable?: () => boolean },
): Promise<T> {
  const deadline = Date.now() + options.deadlineMs;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error)) throw error;
      const pause = busyBackoffMs(tries);
      if (Date.now() + pause > deadline || options.retryable?.() === false) throw new DatabaseBusyError();
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
