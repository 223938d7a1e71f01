import {
  DEFAULT_CLASSES,
  MODEL_LABELS,
  defaultRunConfig,
  type DatasetSummary,
  type BackgroundSummary,
  type ExplanationSummary,
  type ImportRequestParsed,
  type ImportResult,
  type JobInfo,
  type ModelFamily,
  type Progress,
  type RunMetrics,
  type RunSummary,
  type StartRunRequest,
  type StudyStarted,
} from '../../shared/contract';
import { importDataset } from './datasets/import';
import type { Lab } from './lab';
import type { Stores } from './store/index';
import { sampleArchivePath } from './paths';

/** The seed's three families: what a study trains unless told otherwise. */
export const SEED_MODELS: readonly ModelFamily[] = ['cnn', 'vnn', 'mcdropout'];

/** Overrides of the seed's run settings for every run of a study, and the evaluation's T. */
export type StudySettings = Partial<Omit<StartRunRequest, 'datasetId' | 'model'>> & {
  /** Stochastic samples per test image in the evaluation (default: the evaluation's own, 1000). */
  samples?: number;
  /** Each model trained with this many seeds (a seed group; default 1). */
  seeds?: number;
};

/**
 * The seeds of n runs that differ only by seed, from `first`: one apart, a deep ensemble's
 * `members` apart (its members train with seed, seed + 1, …, so no member seed repeats).
 */
export function seedSeries(first: number, n: number, step = 1): number[] {
  return Array.from({ length: n }, (_, i) => (first + i * step) % 2 ** 31);
}

/** A smoke test (`study --quick`, `startStudy {quick: true}`): enough to exercise every step, fast. */
export const QUICK = { trainLimit: 600, testLimit: 300, epochs: 2 } as const satisfies StudySettings;

/**
 * The sample study (`study --sample`, `startSampleStudy`): every image of the bundled sample
 * (1,200 training, 300 validation, 300 test) for 5 epochs in batches of 64 (the seed's 100–256
 * would give only 5–12 updates an epoch on 1,200 images). The three seed models train, evaluate
 * and explain in about 2 CPU-minutes (docs/decisions.md, "CLI and study").
 */
export const SAMPLE = { epochs: 5, batchSize: 64 } as const satisfies StudySettings;

/** What the lab imports for the sample study. */
export function sampleImportRequest(archive = sampleArchivePath()): ImportRequestParsed {
  return {
    kind: 'archive',
    source: archive,
    classes: [...DEFAULT_CLASSES],
    name: 'CIFAR-10 sample (deer, frog, truck)',
  };
}

/** A finished run's analysis: its evaluation, then its explanation, its features (nearest training images) and its background test. */
export interface Analysis {
  evaluation: JobInfo;
  explanation: JobInfo;
  features: JobInfo;
  background: JobInfo;
}

/** One run of a study, once trained, evaluated and explained (or as far as it got). */
export interface StudyRunResult {
  /** The run as stored after its last step. */
  run: RunSummary;
  /** The training job, settled: a run whose training is not `done` has no analysis. */
  training: JobInfo;
  metrics: RunMetrics | null;
  explanations: ExplanationSummary | null;
  background: BackgroundSummary | null;
  /** Why a step failed or stored nothing, one sentence each naming the run. */
  problems: string[];
}

export type StudyStep = 'training' | 'evaluating' | 'explaining' | 'testing the background';

export interface StudyHooks {
  onImported?: (result: ImportResult) => void;
  /** A step of a run is next (the steps of all runs run one after another, in this order). */
  onStep?: (step: StudyStep, run: RunSummary) => void;
  /** A run went through every step it could. */
  onRun?: (result: StudyRunResult) => void;
  onProgress?: (progress: Progress) => void;
}

export interface StudyPlan {
  /** A dataset already stored, or what to import (the same content already stored is reused). */
  dataset: number | ImportRequestParsed;
  models?: readonly ModelFamily[];
  settings?: StudySettings;
}

/**
 * The study pipeline, in one place for every door. A training that finishes is followed by its
 * evaluation and then its explanation, queued ahead of the trainings still waiting, so the
 * models of a study go train → evaluate → explain one after another. The app's lab does this for
 * every run (`autoAnalyse`); a lab without it (the CLI's) only for the runs of a study.
 */
export class Studies {
  /** Runs of a study still training, with their evaluation's T. */
  private readonly pending = new Map<number, { samples?: number }>();
  /** The analyses of a study's runs, until `run` has waited for them. */
  private readonly analyses = new Map<number, Analysis>();

  constructor(
    private readonly lab: Lab,
    private readonly stores: Stores,
    private readonly autoAnalyse: boolean,
  ) {}

  /** Queues the evaluation of a finished run, then its explanation and its background test, ahead of waiting trainings. */
  analyse(runId: number, samples?: number): Analysis {
    const evaluation = this.lab.evaluate(runId, samples, { next: true });
    const explanation = this.lab.explain({ id: runId }, { next: true });
    const features = this.lab.computeFeatures(runId, { next: true });
    const background = this.lab.backgroundTest({ id: runId }, { next: true });
    return { evaluation, explanation, features, background };
  }

  /** The lab calls this when a run's training job has settled. */
  trainingSettled(run: RunSummary, job: JobInfo): void {
    const study = this.pending.get(run.id);
    this.pending.delete(run.id);
    if (run.status !== 'done' || job.status !== 'done' || (!study && !this.autoAnalyse)) return;
    const analysis = this.analyse(run.id, study?.samples);
    // `run` waits for the analyses of its study's runs
    if (study) this.analyses.set(run.id, analysis);
  }

  /** Creates a run per model with the study's settings and queues their trainings, in order. */
  start(datasetId: number, models: readonly ModelFamily[] = SEED_MODELS, settings: StudySettings = {}): StudyStarted {
    const { samples, seeds, ...overrides } = settings;
    this.stores.datasets.get(datasetId);
    const started = models.flatMap((model) => {
      const defaults = defaultRunConfig(model);
      const step = model === 'ensemble' ? (overrides.members ?? defaults.members) : 1;
      return seedSeries(overrides.seed ?? defaults.seed, seeds ?? 1, step).map((seed) => {
        const { run, job } = this.lab.startRun({ ...overrides, seed, datasetId, model });
        this.pending.set(run.id, samples === undefined ? {} : { samples });
        return { run, job };
      });
    });
    return { runs: started.map((s) => s.run), jobs: started.map((s) => s.job) };
  }

  /** Imports the bundled sample (or reuses it) and starts the sample study of the seed's models. */
  async startSample(archive?: string): Promise<StudyStarted & { datasetId: number }> {
    const { dataset } = await importDataset(this.stores.datasets, sampleImportRequest(archive));
    return { datasetId: dataset.id, ...this.start(dataset.id, SEED_MODELS, SAMPLE) };
  }

  /**
   * A whole study, to its end: import (or reuse) the dataset, then train, evaluate and explain
   * each model, reporting each run through `hooks.onRun`. A cancelled training cancels the rest
   * of the study. Resolves to every run's result.
   */
  async run(plan: StudyPlan, hooks: StudyHooks = {}): Promise<StudyRunResult[]> {
    const dataset = await this.dataset(plan.dataset, hooks);
    const { runs, jobs } = this.start(dataset.id, plan.models, plan.settings);
    const results: StudyRunResult[] = [];
    for (const [index, run] of runs.entries()) {
      const job = jobs[index];
      if (!job) break;
      hooks.onStep?.('training', run);
      const training = (await this.lab.jobs.finished(job.id)).job;
      const result = await this.analysed(run, training, hooks);
      results.push(result);
      hooks.onRun?.(result);
      if (training.status === 'cancelled') {
        for (const waiting of jobs.slice(index + 1)) this.lab.jobs.cancel(waiting.id);
        break;
      }
    }
    return results;
  }

  private async dataset(source: StudyPlan['dataset'], hooks: StudyHooks): Promise<DatasetSummary> {
    if (typeof source === 'number') return this.stores.datasets.get(source);
    const imported = await importDataset(this.stores.datasets, source, {
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    });
    hooks.onImported?.(imported);
    return imported.dataset;
  }

  /** Waits for a trained run's evaluation and explanation; what they stored, or why not. */
  private async analysed(run: RunSummary, training: JobInfo, hooks: StudyHooks): Promise<StudyRunResult> {
    const problems: string[] = [];
    const analysis = this.analyses.get(run.id);
    if (training.status !== 'done' || !analysis) {
      problems.push(`${MODEL_LABELS[run.model]} (run ${run.id}) ${training.status}: ${training.error ?? ''}`);
      return {
        run: this.stores.runs.get(run.id),
        training,
        metrics: null,
        explanations: null,
        background: null,
        problems,
      };
    }
    this.analyses.delete(run.id);
    hooks.onStep?.('evaluating', run);
    const evaluation = (await this.lab.jobs.finished(analysis.evaluation.id)).job;
    if (evaluation.status !== 'done')
      problems.push(`evaluation of run ${run.id} ${evaluation.status}: ${evaluation.error ?? ''}`);
    const metrics = this.stores.evaluations.current(run.id)?.metrics ?? null;
    hooks.onStep?.('explaining', run);
    const explanation = (await this.lab.jobs.finished(analysis.explanation.id)).job;
    const explanations = this.stores.explanations.shown(run.id)?.summary ?? null;
    if (explanation.status !== 'done')
      problems.push(`the explanation of run ${run.id} ${explanation.status}: ${explanation.error ?? ''}`);
    else if (!explanations) problems.push(`the explanation of run ${run.id} stored nothing`);
    const features = (await this.lab.jobs.finished(analysis.features.id)).job;
    if (features.status !== 'done')
      problems.push(`the features of run ${run.id} ${features.status}: ${features.error ?? ''}`);
    hooks.onStep?.('testing the background', run);
    const tested = (await this.lab.jobs.finished(analysis.background.id)).job;
    const background = this.stores.background.current(run.id)?.summary ?? null;
    if (tested.status !== 'done')
      problems.push(`the background test of run ${run.id} ${tested.status}: ${tested.error ?? ''}`);
    else if (!background) problems.push(`the background test of run ${run.id} stored nothing`);
    return { run: this.stores.runs.get(run.id), training, metrics, explanations, background, problems };
  }
}
