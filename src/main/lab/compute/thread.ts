/**
 * The compute thread's side: its own read-only connection to the study database and the stores
 * over it, answering one computation at a time (compare, figure, report) so that the main process's event
 * loop stays free while they run. Built to out/main/compute-thread.js; from sources,
 * scripts/dev-compute-thread.mjs.
 */
import type { MessagePort } from 'node:worker_threads';
import type { z } from 'zod';
import type {
  CompareGroupsRequest,
  CompareRunsRequest,
  ExportFigureRequest,
  FigureRequest,
} from '../../../shared/contract';
import { CaseService } from '../cases/cases';
import { errorCode } from '../errors';
import { compareGroups, compareRuns } from '../evaluation/compare-runs';
import { makeReportFile, type MakeReportArgs } from '../figures/report-file';
import { FigureService } from '../figures/service';
import { openDatabase, type Db } from '../store/database';
import { openStores } from '../store/index';
import { DatasetStore } from '../store/datasets';
import { EvaluationStore } from '../store/evaluations';
import { NeighbourService } from '../features/service';
import { ExplanationStore } from '../store/explanations';
import { RunStore } from '../store/runs';
import type { ComputeAsk, ComputeReply } from './protocol';

interface Sources {
  db: Db;
  runs: RunStore;
  datasets: DatasetStore;
  evaluations: EvaluationStore;
  explanations: ExplanationStore;
  cases: CaseService;
  figures: FigureService;
  neighbours: NeighbourService;
}

function openSources(databasePath: string): Sources {
  // read only: the main process owns every write (and has migrated the schema)
  const db = openDatabase(databasePath, { readonly: true });
  const stores = openStores(db);
  const { runs, datasets, evaluations, explanations } = stores;
  const cases = new CaseService(stores);
  const figures = new FigureService({ ...stores, cases });
  const neighbours = new NeighbourService(stores);
  return { db, runs, datasets, evaluations, explanations, cases, figures, neighbours };
}

/** Computes one request over `sources`; progress goes to `progress`. */
export async function compute(
  sources: Sources,
  ask: Pick<ComputeAsk, 'name' | 'input'>,
  progress: (p: Extract<ComputeReply, { type: 'progress' }>['progress']) => void,
): Promise<unknown> {
  switch (ask.name) {
    case 'compareRuns':
      return compareRuns(sources, ask.input as z.output<typeof CompareRunsRequest>);
    case 'compareGroups':
      return compareGroups(sources, ask.input as z.output<typeof CompareGroupsRequest>);
    case 'describeFigure':
      return sources.figures.describe(ask.input as z.output<typeof FigureRequest>);
    case 'exportFigure':
      return sources.figures.export(ask.input as z.output<typeof ExportFigureRequest>);
    case 'makeReport':
      return makeReportFile(sources, ask.input as MakeReportArgs, progress);
  }
}

/** Serves `port` until it closes: one computation at a time, in the order asked. */
export function computeMain(port: MessagePort): void {
  let open: { path: string; sources: Sources } | null = null;
  const sourcesFor = (path: string): Sources => {
    if (open?.path !== path) {
      open?.sources.db.close();
      open = { path, sources: openSources(path) };
    }
    return open.sources;
  };
  const reply = (message: ComputeReply) => port.postMessage(message);
  let queue = Promise.resolve();
  port.on('message', (ask: ComputeAsk) => {
    queue = queue.then(async () => {
      try {
        const value = await compute(sourcesFor(ask.databasePath), ask, (progress) =>
          reply({ type: 'progress', id: ask.id, progress }),
        );
        reply({ type: 'done', id: ask.id, value });
      } catch (error) {
        const sqliteCode = (error as { code?: unknown } | null)?.code;
        reply({
          type: 'failed',
          id: ask.id,
          error: {
            code: errorCode(error),
            message: error instanceof Error ? error.message : String(error),
            sqliteCode: typeof sqliteCode === 'string' ? sqliteCode : undefined,
          },
        });
      }
    });
  });
}
