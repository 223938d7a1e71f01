import { ImportError } from './types';

/** How long a download may take; the defaults suit a slow line, tests use a few hundred ms. */
export interface DownloadTimeouts {
  /** From the request until the response headers arrive (connecting included). */
  connectMs: number;
  /** The longest gap between two pieces of the body. */
  idleMs: number;
  /** The whole download, however steadily it trickles (a server sending a byte every few seconds). */
  totalMs: number;
}

/**
 * 45 minutes in all: the largest archive accepted (200 MB) at 1 Mbit/s takes 27 minutes; a server
 * that drips bytes just often enough to beep the idle timer is cut off there.
 */
export const DOWNLOAD_TIMEOUTS: Readonly<DownloadTimeouts> = {
  connectMs: 30_000,
  idleMs: 60_000,
  totalMs: 45 * 60_000,
};

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/**
 * Aborts a download whose server does not answer or goes quiet, and says which, naming the URL.
 * `signal` (the caller's, combined with the watchdog's) goes to fetch and to the body's pipeline;
 * once it has fired, `error` is the ImportError to report instead of the AbortError they throw.
 */
export class DownloadWatchdog {
  readonly signal: AbortSignal;
  error: ImportError | null = null;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private total: NodeJS.Timeout | null = null;
  private bytes = 0;

  constructor(
    private readonly url: string,
    private readonly timeouts: DownloadTimeouts,
    callerSignal: AbortSignal | undefined,
  ) {
    this.signal = callerSignal ? AbortSignal.any([callerSignal, this.controller.signal]) : this.controller.signal;
  }

  /** Waiting for the response headers; the overall deadline starts here too. */
  awaitResponse(): void {
    const ms = this.timeouts.connectMs;
    this.arm(ms, () => `the server did not answer within ${seconds(ms)}`);
    const totalMs = this.timeouts.totalMs;
    this.total ??= setTimeout(
      () =>
        this.abort(`not finished within ${seconds(totalMs)} (${this.bytes.toLocaleString('en-US')} bytes received)`),
      totalMs,
    );
  }

  /** Reading the body, from the headers on: a gap longer than idleMs between pieces aborts. */
  awaitBody(): void {
    const ms = this.timeouts.idleMs;
    this.arm(ms, () => `no data for ${seconds(ms)} after ${this.bytes.toLocaleString('en-US')} bytes`);
  }

  /** A piece of the body arrived: the idle timer starts again. */
  received(bytes: number): void {
    this.bytes += bytes;
    this.timer?.refresh();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.total) clearTimeout(this.total);
    this.timer = null;
    this.total = null;
  }

  private arm(ms: number, reason: () => string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.abort(reason()), ms);
  }

  private abort(reason: string): void {
    this.error ??= new ImportError(`download of ${this.url} timed out: ${reason}`);
    this.controller.abort(this.error);
  }
}
