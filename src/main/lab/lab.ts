import { z } from 'zod';
import {
  CIFAR10_CLASSES,
  CIFAR10_URL,
  DEFAULT_CLASSES,
  describeZodError,
  requests,
  type ErrorInfo,
  type ImportRequestParsed,
  type RequestArgs,
  type RequestName,
  type RequestOutput,
  type Result,
  type Split,
} from '../../shared/contract';
import { encodePng } from './images/png';
import { errorMessage, JobManager, type Emit, type WorkerLauncher } from './jobs/manager';
import { openDatabase, type Db } from './store/database';
import { DatasetStore } from './store/datasets';

export interface LabOptions {
  databasePath: string;
  mode: 'electron' | 'browser';
  version: string;
  launch: WorkerLauncher;
  emit: Emit;
}

type Handlers = { [K in RequestName]: (args: RequestArgs<K>) => RequestOutput<K> | Promise<RequestOutput<K>> };

/**
 * The domain behind every door: one database, the job manager, and a handler per contract
 * request. `dispatch` validates what comes in and wraps what goes out in a result envelope.
 */
export class Lab {
  readonly db: Db;
  readonly datasets: DatasetStore;
  readonly jobs: JobManager;
  private readonly handlers: Handlers;

  constructor(private readonly options: LabOptions) {
    this.db = openDatabase(options.databasePath);
    this.datasets = new DatasetStore(this.db);
    this.jobs = new JobManager({ databasePath: options.databasePath, launch: options.launch, emit: options.emit });
    this.handlers = {
      appInfo: () => ({
        version: options.version,
        mode: options.mode,
        databasePath: options.databasePath,
        defaultArchiveUrl: CIFAR10_URL,
        cifarClasses: [...CIFAR10_CLASSES],
        defaultClasses: [...DEFAULT_CLASSES],
      }),
      listDatasets: () => this.datasets.list(),
      getDataset: ({ id }) => this.datasets.get(id),
      listImages: (args) => this.datasets.listImages(args),
      startImport: (request) => ({ job: this.jobs.start({ kind: 'import', request }, importTitle(request)) }),
      listJobs: () => this.jobs.list(),
      cancelJob: ({ jobId }) => this.jobs.cancel(jobId),
    };
  }

  async dispatch<K extends RequestName>(name: K, input: unknown): Promise<Result<RequestOutput<K>>> {
    const spec = requests[name] as (typeof requests)[RequestName] | undefined;
    if (!spec) return failure('bad-request', `unknown request ${String(name)}`);
    const parsed = (spec.input as z.ZodType).safeParse(input ?? {});
    if (!parsed.success) return failure('bad-request', `${name}: ${describeZodError(parsed.error)}`);
    try {
      const handler = this.handlers[name] as (args: unknown) => RequestOutput<K> | Promise<RequestOutput<K>>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      const code: ErrorInfo['code'] = error instanceof Error && error.name === 'NotFoundError' ? 'not-found' : 'failed';
      return failure(code, errorMessage(error));
    }
  }

  /** A stored image as PNG bytes (for the custom protocol and the HTTP door). */
  async imagePng(datasetId: number, split: Split, index: number): Promise<Buffer> {
    const image = this.datasets.image(datasetId, split, index);
    return encodePng(image.pixels, image.shape);
  }

  close(): void {
    this.jobs.dispose();
    this.db.close();
  }
}

export function failure(code: ErrorInfo['code'], message: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code, message } };
}

function importTitle(request: ImportRequestParsed): string {
  return request.kind === 'archive' ? `Import ${request.source}` : `Import folder ${request.path}`;
}
