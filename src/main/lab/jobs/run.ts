import type { ImportResult, Progress } from '../../../shared/contract';
import { importDataset } from '../datasets/import';
import { openDatabase } from '../store/database';
import { DatasetStore } from '../store/datasets';
import type { JobSpec } from './protocol';

export interface JobContext {
  databasePath: string;
  onProgress: (progress: Progress) => void;
  signal: AbortSignal;
}

/** Runs one job to completion against its own database connection. */
export async function runJob(job: JobSpec, context: JobContext): Promise<ImportResult> {
  const db = openDatabase(context.databasePath);
  try {
    switch (job.kind) {
      case 'import':
        return await importDataset(new DatasetStore(db), job.request, {
          onProgress: context.onProgress,
          signal: context.signal,
        });
    }
  } finally {
    db.close();
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
