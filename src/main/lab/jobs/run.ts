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
import { openStores } from '../store/index';
import { evaluateRun } from '../evaluation/evaluate-run';
import { explainRun } from '../explain/explain-run';
import { backgroundTestRun } from '../explain/background-run';
import { trainRun } from '../training/train';
import { computeRunFeatures } from '../features/features-run';
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
  const stores = openStores(db);
  try {
    switch (job.kind) {
      case 'import':
        return await importDataset(stores.datasets, job.request, {
          onProgress: context.onProgress,
          signal: context.signal,
        });
      case 'train':
        await trainRun({
          runs: stores.runs.fenced(job.lease),
          datasets: stores.datasets,
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
          ...stores,
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
          ...stores,
          request: job.request,
          signal: context.signal,
          onProgress: context.onProgress,
        });
        context.onEvent('runExplained', { runId: job.request.id, summary });
        return null;
      }
      case 'features': {
        const features = await computeRunFeatures({
          ...stores,
          runId: job.runId,
          signal: context.signal,
          onProgress: context.onProgress,
        });
        context.onEvent('runFeaturesComputed', { runId: job.runId, features });
        return null;
      }
      case 'map': {
        const request = MapRequest.parse(job.request);
        const map = await mapRun({
          ...stores,
          request,
          // an older run (or one whose features job has not run yet): its features first
          computeFeatures: async () => {
            const computed = await computeRunFeatures({
              ...stores,
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
          ...stores,
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
