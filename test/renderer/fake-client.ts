import type {
  EventName,
  EventPayload,
  RequestInput,
  RequestName,
  RequestOutput,
  Result,
} from '../../src/shared/contract';
import type { CasebookClient } from '../../src/renderer/src/lib/client';

interface Pending {
  name: RequestName;
  input: unknown;
  resolve: (result: Result<unknown>) => void;
}

/** A client whose answers the test gives, one request at a time, in any order. */
export class FakeClient {
  readonly pending: Pending[] = [];
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>();

  readonly client = {
    transport: 'http',
    request: <K extends RequestName>(name: K, input: RequestInput<K>): Promise<Result<RequestOutput<K>>> =>
      new Promise((resolve) => this.pending.push({ name, input, resolve: resolve as Pending['resolve'] })),
    on: <K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void) => {
      const set = this.#listeners.get(name) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      this.#listeners.set(name, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    imageUrl: () => '/image.png',
    connected: () => Promise.resolve(),
    onConnection: () => () => {},
    onProblem: () => () => {},
  } as unknown as CasebookClient;

  /** Takes the oldest pending request of this name. */
  take(name: RequestName): Pending {
    const at = this.pending.findIndex((p) => p.name === name);
    if (at < 0) throw new Error(`no pending ${name} (pending: ${this.pending.map((p) => p.name).join(', ')})`);
    return this.pending.splice(at, 1)[0]!;
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    for (const listener of this.#listeners.get(name) ?? []) listener(payload);
  }
}

/** Lets awaiting code run (resolved promises settle). */
export const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
