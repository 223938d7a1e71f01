import { SvelteMap } from 'svelte/reactivity';
import type { CasebookClient } from '../lib/client';

export type SampleStage = 'idle' | 'starting' | 'running' | 'done' | 'failed';

/** One run of the sample study and how far it has come. */
export interface SampleRun {
  id: number;
  label: string;
  step: 'training' | 'evaluating' | 'explaining' | 'explained';
}

/**
 * "Try the sample study": imports the bundled sample, quick-trains the seed's three models and
 * follows them (runUpdated, runEvaluated, runExplained, jobFinished) until every run is explained.
 */
export class SampleStudyState {
  stage = $state<SampleStage>('idle');
  runs = $state.raw<SampleRun[]>([]);
  error = $state<string | null>(null);
  /** Latest training progress per run (0–1), from runProgress. */
  readonly progress = new SvelteMap<number, number>();

  readonly #client: CasebookClient;
  /** Events for runs not known yet (they can beat startSampleStudy's answer). */
  #early: Record<number, SampleRun['step']> = {};
  #onDone: ((runIds: number[]) => void) | null = null;

  constructor(client: CasebookClient) {
    this.#client = client;
  }

  /** 0–1: explained runs count whole, a training run by its progress. */
  get fraction(): number {
    if (this.runs.length === 0) return 0;
    const weight = { training: 0, evaluating: 0.6, explaining: 0.8, explained: 1 } as const;
    const sum = this.runs.reduce(
      (total, run) => total + (run.step === 'training' ? 0.6 * (this.progress.get(run.id) ?? 0) : weight[run.step]),
      0,
    );
    return sum / this.runs.length;
  }

  /** Subscribes to the study's events; returns the disposer. */
  listen(onDone: (runIds: number[]) => void): () => void {
    this.#onDone = onDone;
    const offs = [
      this.#client.on('runProgress', ({ runId, epoch, epochs, batch, batches }) => {
        if (!this.runs.some((run) => run.id === runId)) return;
        this.progress.set(runId, (epoch - 1 + batch / batches) / epochs);
      }),
      this.#client.on('runUpdated', ({ run }) => {
        if (run.status === 'done') this.#advance(run.id, 'evaluating');
        if (run.status === 'failed' || run.status === 'cancelled') this.#fail(run.id, `run #${run.id} ${run.status}`);
      }),
      this.#client.on('runEvaluated', ({ runId }) => this.#advance(runId, 'explaining')),
      this.#client.on('runExplained', ({ runId }) => this.#advance(runId, 'explained')),
      this.#client.on('jobFinished', ({ job }) => {
        if (this.stage === 'running' && job.status === 'failed' && job.kind !== 'import')
          this.#fail(null, job.error ?? job.title);
      }),
    ];
    return () => {
      this.#onDone = null;
      for (const off of offs) off();
    };
  }

  async start(): Promise<void> {
    if (this.stage === 'starting' || this.stage === 'running') return;
    this.stage = 'starting';
    this.error = null;
    const answer = await this.#client.request('startSampleStudy', {});
    if (!answer.ok) {
      this.stage = 'failed';
      this.error = answer.error.message;
      return;
    }
    this.runs = answer.value.runs.map((run) => ({
      id: run.id,
      label: run.name,
      step: this.#early[run.id] ?? 'training',
    }));
    this.stage = 'running';
    this.#checkDone();
  }

  #advance(runId: number, step: SampleRun['step']): void {
    const order = ['training', 'evaluating', 'explaining', 'explained'] as const;
    const later = (a: SampleRun['step'], b: SampleRun['step']) => order.indexOf(a) > order.indexOf(b);
    if (this.stage === 'starting') {
      const known = this.#early[runId];
      if (known === undefined || later(step, known)) this.#early[runId] = step;
      return;
    }
    if (!this.runs.some((run) => run.id === runId)) return;
    this.runs = this.runs.map((run) => (run.id === runId && later(step, run.step) ? { ...run, step } : run));
    this.#checkDone();
  }

  #fail(runId: number | null, message: string): void {
    if (this.stage !== 'running') return;
    if (runId !== null && !this.runs.some((run) => run.id === runId)) return;
    this.stage = 'failed';
    this.error = message;
  }

  #checkDone(): void {
    if (this.stage !== 'running' || this.runs.length === 0) return;
    if (this.runs.every((run) => run.step === 'explained')) {
      this.stage = 'done';
      this.#onDone?.(this.runs.map((run) => run.id));
    }
  }
}
