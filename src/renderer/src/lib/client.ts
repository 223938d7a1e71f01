/**
 * The renderer's one client for the contract. It works over either door onto the main side:
 *
 * - Electron: the preload exposes an object implementing `CasebookApi` as `window.casebook`;
 * - browser mode: `POST /api/<request>` with a JSON body answered by a JSON result envelope, and
 *   one server-sent event stream at `/api/events` whose event names are the contract's.
 *
 * Whatever the transport, every answer and every event payload is checked against the contract's
 * schema here, so the rest of the renderer only ever sees well-formed values, and every failure is
 * a `{ ok: false, error }` envelope rather than an exception.
 *
 * Each event delivered to the app's listeners is also dispatched on `window` as a DOM
 * `CustomEvent` named `casebook:<eventName>` with the payload as `detail`, so end-to-end tests can
 * wait for what the app saw instead of sleeping.
 */
import { z } from 'zod';
import {
  ErrorInfo,
  describeZodError,
  eventNames,
  events,
  imagePath,
  requests,
  type CasebookApi,
  type EventName,
  type EventPayload,
  type RequestInput,
  type RequestName,
  type RequestOutput,
  type Result,
  type Split,
} from '../../../shared/contract';
import { LOST_AFTER_MS, retryDelay, type ConnectionState } from './connection';

export type { ConnectionState } from './connection';

export interface CasebookClient extends CasebookApi {
  readonly transport: 'ipc' | 'http';
  /** The URL of a stored image (a PNG); the same relative URL works in Electron and in a browser. */
  imageUrl(datasetId: number, split: Split, index: number): string;
  /**
   * Resolves once events are being delivered (at once under Electron; when the event stream has
   * opened in browser mode). Rejects if the stream fails before it ever opened (it is retried).
   */
  connected(): Promise<void>;
  /**
   * The event stream's state changes (browser mode: retried with backoff after the server went
   * away; on `open` again, events sent meanwhile are lost and the app should fetch its state).
   */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /** Problems that belong to no request: a broken event stream, a malformed event, a throwing listener. */
  onProblem(listener: (message: string) => void): () => void;
}

/** What a request failure carries; thrown by `unwrap`. */
export class RequestError extends Error {
  override name = 'RequestError';
  readonly code: ErrorInfo['code'];

  constructor(info: ErrorInfo) {
    super(info.message);
    this.code = info.code;
  }
}

/** Returns the value of a successful result, or throws a `RequestError` with the error's message. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new RequestError(result.error);
}

/** A message for anything caught (`Error` or not). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

/** The result envelope as it arrives, before the value is checked against the request's schema. */
const Envelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorInfo }),
]);

type Failure = { ok: false; error: ErrorInfo };
const failure = (code: ErrorInfo['code'], message: string): Failure => ({ ok: false, error: { code, message } });

/** What a door onto the main side must provide: raw answers and raw event payloads. */
interface Transport {
  readonly kind: 'ipc' | 'http';
  /** Resolves to the raw envelope (unchecked) or to a failure the transport produced itself. */
  request(name: RequestName, input: unknown): Promise<unknown>;
  /** Starts delivering every contract event (raw payloads) and connection changes. Called once. */
  listen(sink: EventSink): void;
  connected(): Promise<void>;
}

interface EventSink {
  event(name: EventName, payload: unknown): void;
  connection(state: ConnectionState): void;
}

type Listener = (payload: never) => void;

/** Creates the client over `window.casebook` when the preload provides it, else over HTTP. */
export function createClient(): CasebookClient {
  const api = window.casebook;
  return new Client(api ? ipcTransport(api) : httpTransport());
}

class Client implements CasebookClient {
  readonly transport: 'ipc' | 'http';
  readonly #transport: Transport;
  readonly #listeners = new Map<EventName, Set<Listener>>();
  readonly #problemListeners = new Set<(message: string) => void>();
  readonly #connectionListeners = new Set<(state: ConnectionState) => void>();
  #listening = false;

  constructor(transport: Transport) {
    this.#transport = transport;
    this.transport = transport.kind;
  }

  async request<K extends RequestName>(name: K, input: RequestInput<K>): Promise<Result<RequestOutput<K>>> {
    let raw: unknown;
    try {
      raw = await this.#transport.request(name, input);
    } catch (error) {
      return failure('unavailable', `${name}: ${messageOf(error)}`);
    }
    const envelope = Envelope.safeParse(raw);
    if (!envelope.success) return failure('failed', `${name}: malformed answer (${describeZodError(envelope.error)})`);
    if (!envelope.data.ok) return envelope.data;
    const schema: z.ZodType = requests[name].output;
    const value = schema.safeParse(envelope.data.value);
    if (!value.success) return failure('failed', `${name}: malformed answer (${describeZodError(value.error)})`);
    return { ok: true, value: value.data as RequestOutput<K> };
  }

  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void {
    this.#startListening();
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    const entry = listener as Listener;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  imageUrl(datasetId: number, split: Split, index: number): string {
    return '/' + imagePath(datasetId, split, index);
  }

  connected(): Promise<void> {
    this.#startListening();
    return this.#transport.connected();
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => {
      this.#connectionListeners.delete(listener);
    };
  }

  onProblem(listener: (message: string) => void): () => void {
    this.#problemListeners.add(listener);
    return () => {
      this.#problemListeners.delete(listener);
    };
  }

  #startListening(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.#transport.listen({
      event: (name, payload) => this.#deliver(name, payload),
      connection: (state) => this.#connectionChanged(state),
    });
  }

  #deliver(name: EventName, raw: unknown): void {
    const schema = events[name] as z.ZodType | undefined;
    if (!schema) return; // not a contract event: nothing listens for it
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      this.#problem(`Malformed ${name} event: ${describeZodError(parsed.error)}`);
      return;
    }
    for (const listener of [...(this.#listeners.get(name) ?? [])]) {
      try {
        (listener as (payload: unknown) => void)(parsed.data);
      } catch (error) {
        this.#problem(`Handling ${name} failed: ${messageOf(error)}`);
      }
    }
    window.dispatchEvent(new CustomEvent(`casebook:${name}`, { detail: parsed.data }));
  }

  #connectionChanged(state: ConnectionState): void {
    for (const listener of [...this.#connectionListeners]) listener(state);
  }

  #problem(message: string): void {
    console.error(`casebook: ${message}`);
    for (const listener of [...this.#problemListeners]) listener(message);
  }
}

function ipcTransport(api: CasebookApi): Transport {
  return {
    kind: 'ipc',
    request: (name, input) => api.request(name, input as never),
    listen(sink) {
      for (const name of eventNames) api.on(name, (payload) => sink.event(name, payload));
    },
    connected: () => Promise.resolve(),
  };
}

const statusCode = (status: number): ErrorInfo['code'] => {
  if (status === 400 || status === 422) return 'bad-request';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'failed';
};

function httpTransport(): Transport {
  let source: EventSource | null = null;
  let sink: EventSink | null = null;
  let opened = false;
  let refused = false;
  let attempt = 0;
  let downSince: number | null = null;
  let lost = false;
  let retry: ReturnType<typeof setTimeout> | null = null;
  const waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];

  const rejectWaiting = (message: string): void => {
    const error = new Error(message);
    for (const { reject } of waiting.splice(0)) reject(error);
  };

  /** The server answered 401: this tab's cookie is not (or no longer) valid. Retrying cannot help. */
  const unauthorized = (): void => {
    if (refused) return;
    refused = true;
    source?.close();
    source = null;
    if (retry !== null) clearTimeout(retry);
    rejectWaiting("The live event stream (/api/events) was refused: this tab's login is not valid.");
    sink?.connection('unauthorized');
  };

  const open = (): void => {
    const stream = new EventSource('/api/events');
    source = stream;
    for (const name of eventNames) {
      stream.addEventListener(name, (event: MessageEvent<string>) => {
        let payload: unknown;
        try {
          payload = JSON.parse(event.data) as unknown;
        } catch {
          // Delivered as is: the schema check reports it as malformed.
          payload = event.data;
        }
        sink?.event(name, payload);
      });
    }
    stream.addEventListener('open', () => {
      opened = true;
      attempt = 0;
      downSince = null;
      lost = false;
      for (const { resolve } of waiting.splice(0)) resolve();
      sink?.connection('open');
    });
    stream.addEventListener('error', () => {
      // The browser's own retry cannot tell a stopped server from a refused login: retry here.
      stream.close();
      if (source !== stream || refused) return;
      source = null;
      if (!opened) rejectWaiting('The live event stream (/api/events) could not be opened; retrying.');
      const now = Date.now();
      downSince ??= now;
      if (attempt === 0) sink?.connection('reconnecting');
      else if (!lost && now - downSince >= LOST_AFTER_MS) {
        lost = true;
        sink?.connection('lost');
      }
      retry = setTimeout(() => void probe(), retryDelay(attempt));
      attempt += 1;
    });
  };

  /** Asks the server whether it is back and still knows this tab, then reopens the stream. */
  const probe = async (): Promise<void> => {
    retry = null;
    try {
      const response = await fetch('/api/appInfo', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        credentials: 'same-origin',
      });
      if (response.status === 401) return unauthorized();
    } catch {
      // still away: the stream's error schedules the next attempt
    }
    if (!refused) open();
  };

  return {
    kind: 'http',
    async request(name, input) {
      let response: Response;
      try {
        response = await fetch(`/api/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input),
          credentials: 'same-origin',
        });
      } catch (error) {
        return failure('unavailable', `Cannot reach Casebook (${name}): ${messageOf(error)}`);
      }
      if (response.status === 401) unauthorized();
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        return failure('unavailable', `Lost the answer to ${name}: ${messageOf(error)}`);
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // Not an envelope (a proxy, or the server refusing before the contract): say what came back.
        const code = response.ok ? 'failed' : statusCode(response.status);
        const said = text.trim().slice(0, 300) || response.statusText;
        return failure(code, `${name}: HTTP ${response.status}: ${said}`);
      }
    },
    listen(eventSink) {
      sink = eventSink;
      if (refused) eventSink.connection('unauthorized');
      else open();
    },
    connected() {
      if (opened) return Promise.resolve();
      if (refused)
        return Promise.reject(
          new Error("The live event stream (/api/events) was refused: this tab's login is not valid."),
        );
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}
