import {
  MapRequest,
  type EventName,
  type EventPayload,
  type ImportResult,
  type Progress,
  type RunProgress,
} from '../../../shared/contract';
import { importDataset } from '../datasets/import';
import { openDatabase } from '../store/database';
import { DatasetStore } from '../store/datasets';
import { EvaluationStore } from '../store/evaluations';
import { evaluateRun } from '../evaluation/evaluate-run';
import { RunStore } from '../store/runs';
import { ExplanationStore } from '../store/explanations';
import { explainRun } from '../explain/explain-run';
import { backgroundTestRun } from '../explain/background-run';
import { BackgroundStore } from '../store/background';
import { trainRun } from '../training/train';
import { computeRunFeatures } from '../features/features-run';
import { FeatureStore } from '../store/features';
import { TrainLabelCheckStore } from '../store/train-label-checks';
import { MapStore } from '../store/maps';
import { mapRun } from '../map/map-run';
import type { JobSpec } from './protocol';

export interface JobContext {
  databasePath: string;
  onProgress: (progress: Progress) => void;
  onEvent: <K extends EventName>(name: K, payload: EventPayload<K>) => void;
  signal: AbortSignal;
}

/** A training's progress as a job's: steps over every epoch (of every member). */
export function trainingProgress(progress: RunProgress): Progress {
  const steps = progress.epochs * progress.batches;
  const member = progress.member ?? { index: 1, count: 1 };
  return {
    phase: `${progress.member ? `member ${member.index} of ${member.count}, ` : ''}epoch ${progress.epoch} of ${progress.epochs}`,
    done: (member.index - 1) * steps + (progress.epoch - 1) * progress.batches + progress.batch,
    total: member.count * steps,
    unit: 'steps',
  };
}

/** Runs one job to completion against its own database connection. */
export async function runJob(job: JobSpec, context: JobContext): Promise<ImportResult | null> {
  const db = openDatabase(context.databasePath);
  try {
    switch (job.kind) {
      case 'import':
        return await importDataset(new DatasetStore(db), job.request, {
          onProgress: context.onProgress,
          signal: context.signal,
        });
      case 'train':
        await trainRun({
          runs: new RunStore(db).fenced(job.lease),
          datasets: new DatasetStore(db),
          runId: job.runId,
          signal: context.signal,
          onProgress: (progress) => {
            context.onEvent('runProgress', progress);
            context.onProgress(trainingProgress(progress));
          },
          onUpdate: (run, epoch) => context.onEvent('runUpdated', { run, epoch }),
        });
        return null;
      case 'evaluate': {
        const metrics = await evaluateRun({
          runs: new RunStore(db),
          datasets: new DatasetStore(db),
          evaluations: new EvaluationStore(db),
          runId: job.runId,
          ...(job.samples !== undefined ? { samples: job.samples } : {}),
          signal: context.signal,
          onProgress: context.onProgress,
        });
        context.onEvent('runEvaluated', { runId: job.runId, metrics });
        return null;
      }
      case 'explain': {
        const summary = await explainRun({
          runs: new RunStore(db),
          datasets: new DatasetStore(db),
          evaluations: new EvaluationStore(db),
          explanations: new ExplanationStore(db),
          request: job.request,
          signal: context.signal,
          onProgress: context.onProgress,
        });
        context.onEvent('runExplained', { runId: job.request.id, summary });
        return null;
      }
      case 'features': {
        const features = await computeRunFeatures({
          runs: new RunStore(db),
          datasets: new DatasetStore(db),
          features: new FeatureStore(db),
          labelChecks: new TrainLabelCheckStore(db),
          runId: job.runId,
          signal: context.signal,
          onProgress: context.onProgress,
        });
        context.onEvent('runFeaturesComputed', { runId: job.runId, features });
        return null;
      }
      case 'map': {
        const runs = new RunStore(db);
        const datasets = new DatasetStore(db);
        const features = new FeatureStore(db);
        const request = MapRequest.parse(job.request);
        const map = await mapRun({
          runs,
          features,
          maps: new MapStore(db),
          request,
          // an older run (or one whose features job has not run yet): its features first
          computeFeatures: async () => {
            const computed = await computeRunFeatures({
              runs,
              datasets,
              features,
              labelChecks: new TrainLabelCheckStore(db),
              runId: request.id,
              signal: context.signal,
              onProgress: context.onProgress,
            });
            context.onEvent('runFeaturesComputed', { runId: request.id, features: computed });
          },
          signal: context.signal,
          onProgress: context.onProgress,
        });
        context.onEvent('runMapped', { map });
        return null;
      }
      case 'background': {
        const summary = await backgroundTestRun({
          runs: new RunStore(db),
          datasets: new DatasetStore(db),
          evaluations: new EvaluationStore(db),
          background: new BackgroundStore(db),
          runId: job.request.id,
          ...(job.request.samples !== undefined ? { samples: job.request.samples } : {}),
          signal: context.signal,
          onProgress: context.onProgress,
        });
        context.onEvent('runBackgroundTested', { runId: job.request.id, summary });
        return null;
      }
    }
  } finally {
    db.close();
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
