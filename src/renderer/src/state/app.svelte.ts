import type { AppInfo } from '../../../shared/contract';
import { messageOf, unwrap, type CasebookClient, type ConnectionState } from '../lib/client';
import { DatasetsState } from './datasets.svelte';
import { ErrorsState } from './errors.svelte';
import { JobsState } from './jobs.svelte';

/** The whole renderer's state: app info, datasets, jobs and the errors to show. */
export class AppState {
  info = $state.raw<AppInfo | null>(null);
  connection = $state<ConnectionState>('connecting');
  /** True once `appInfo` and the first dataset list have loaded (and events are flowing). */
  ready = $state(false);

  readonly client: CasebookClient;
  readonly errors = new ErrorsState();
  readonly datasets: DatasetsState;
  readonly jobs: JobsState;

  constructor(client: CasebookClient) {
    this.client = client;
    this.datasets = new DatasetsState(client, this.errors);
    this.jobs = new JobsState(client, this.errors);
  }

  /** Subscribes to everything, loads the first data; returns the disposer. */
  start(): () => void {
    const onError = (event: ErrorEvent) => this.errors.report(event.error ?? event.message, 'Unexpected error');
    const onRejection = (event: PromiseRejectionEvent) => this.errors.report(event.reason, 'Unexpected error');
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
    const disposers = [
      () => window.removeEventListener('error', onError),
      () => window.removeEventListener('unhandledrejection', onRejection),
      this.datasets.listen(),
      this.jobs.listen(({ result }) => {
        if (!result) return;
        this.datasets.upsert(result.dataset);
        // With nothing open yet, show what was just imported.
        if (this.datasets.selectedId === null) this.datasets.select(result.dataset.id);
      }),
      this.client.onProblem((message) => this.errors.report(message, 'Live updates')),
      this.client.onConnection((state) => {
        const wasReconnecting = this.connection === 'reconnecting';
        this.connection = state;
        // Events sent while the stream was down are lost: ask again.
        if (state === 'open' && wasReconnecting) {
          void this.datasets.refresh();
          void this.jobs.refresh();
        }
      }),
    ];
    void this.#load();
    return () => {
      for (const dispose of disposers) dispose();
    };
  }

  async #load(): Promise<void> {
    const [info, datasets] = await Promise.all([
      this.#loadInfo(),
      this.datasets.refresh(),
      this.jobs.refresh(),
      // A stream that cannot open is reported through onProblem; the app still works without it.
      this.client.connected().then(
        () => {
          this.connection = 'open';
        },
        (error: unknown) => console.error(messageOf(error)),
      ),
    ]);
    this.ready = info && datasets;
    document.body.dataset.ready = this.ready ? 'true' : 'error';
  }

  async #loadInfo(): Promise<boolean> {
    try {
      this.info = unwrap(await this.client.request('appInfo', {}));
      return true;
    } catch (error) {
      this.errors.report(error, 'Loading app info');
      return false;
    }
  }
}
