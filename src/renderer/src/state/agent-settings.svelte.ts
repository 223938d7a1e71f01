import type { AgentsStatus } from '../../../shared/contract';
import { messageOf, type CasebookClient } from '../lib/client';

/** How often the open dialog asks the queue again (its agents come and go, its jobs move, without events). */
const REFRESH_MS = 3_000;

/** The top bar's word for where jobs go now (null: the local worker, nothing to say). */
export function agentsBadge(status: AgentsStatus | null): string | null {
  if (status === null || status.mode === 'local') return null;
  return status.mode === 'agents' ? 'on agents' : `${status.open} on agents`;
}

/** "2 agents: gpu-box, lab-3" / "no agent serves the queue" / null when Redis does not list them. */
export function agentsText(agents: readonly string[] | null): string | null {
  if (agents === null) return null;
  if (agents.length === 0) return 'no agent serves the queue yet: jobs wait until one starts';
  return `${agents.length} ${agents.length === 1 ? 'agent' : 'agents'}: ${agents.join(', ')}`;
}

/**
 * Settings → "Train on agents": where training, evaluation and explanation jobs go (the local
 * worker or a queue of training agents), connecting and disconnecting at run time. The URL is
 * checked on the main side (as `--queue` is); its password never comes back here.
 */
export class AgentSettingsState {
  open = $state(false);
  status = $state.raw<AgentsStatus | null>(null);
  url = $state('');
  insecureLocal = $state(false);
  busy = $state<'connecting' | 'disconnecting' | null>(null);
  error = $state<string | null>(null);

  readonly #client: CasebookClient;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(client: CasebookClient) {
    this.#client = client;
  }

  /** The queue jobs go to now (its password hidden), or null: the local worker. */
  get queue(): string | null {
    return this.status?.mode === 'agents' ? this.status.queue : null;
  }

  /** Follows the main side's changes (connected, disconnected, drained); returns the disposer. */
  listen(): () => void {
    const off = this.#client.on('agentsChanged', (status) => {
      this.status = status;
    });
    return () => {
      off();
      this.#stopRefreshing();
    };
  }

  show(): void {
    this.open = true;
    this.error = null;
    void this.refresh();
    this.#stopRefreshing();
    this.#timer = setInterval(() => {
      if (this.open) void this.refresh();
      else this.#stopRefreshing();
    }, REFRESH_MS);
  }

  hide(): void {
    this.open = false;
    this.#stopRefreshing();
  }

  async refresh(): Promise<void> {
    const result = await this.#client.request('agentsStatus', {});
    if (result.ok) this.status = result.value;
  }

  async connect(): Promise<void> {
    if (this.busy !== null) return;
    if (this.url.trim() === '') {
      this.error = 'Give the Redis URL of the queue, e.g. redis://:password@queue-host:6379.';
      return;
    }
    await this.#change('connecting', () =>
      this.#client.request('connectAgents', { url: this.url.trim(), insecureLocal: this.insecureLocal }),
    );
    // the password stays on the main side (and in its settings file), not in this page
    if (this.error === null) this.url = '';
  }

  async disconnect(): Promise<void> {
    if (this.busy !== null) return;
    await this.#change('disconnecting', () => this.#client.request('disconnectAgents', {}));
  }

  async #change(
    busy: 'connecting' | 'disconnecting',
    request: () => Promise<{ ok: true; value: AgentsStatus } | { ok: false; error: { message: string } }>,
  ): Promise<void> {
    this.busy = busy;
    this.error = null;
    try {
      const result = await request();
      if (result.ok) this.status = result.value;
      else this.error = result.error.message;
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.busy = null;
    }
  }

  #stopRefreshing(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
