// The real training loop's speed: full epochs of each seed model through `trainRun` (default 2),
// on a dataset imported by the product's own importer from an archive the caller names (`--data`).
// Prints `{"epoch": true, model, mode, index, threads, imagesPerSecond, ...}` per (model, mode,
// epoch): the first epoch carries the run's one-time costs (the thread's start, the first steps'
// set-up, the trial of one against two threads), the later ones are the loop as a run spends most
// of its time in it. Compare with the step benchmark's lines (bench/engine.ts), which time steps
// without the loop around them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRunConfig, ImportRequest, type RunConfig } from '../src/shared/contract';
import { initEngine } from '../src/main/lab/engine/backend';
import { importDataset } from '../src/main/lab/datasets/import';
import { openDatabase } from '../src/main/lab/store/database';
import { DatasetStore } from '../src/main/lab/store/datasets';
import { RunStore } from '../src/main/lab/store/runs';
import { trainRun } from '../src/main/lab/training/train';
import type { ModelName } from './engine';

/** '1' and '2' force a mode (CASEBOOK_TRAIN_THREADS); 'auto' lets the trainer choose, as a run does. */
export type EpochMode = '1' | '2' | 'auto';

export interface EpochOptions {
  /** A CIFAR-10 archive (path or URL), imported through the product's importer. */
  data: string;
  models?: ModelName[];
  modes?: EpochMode[];
  /** Epochs per run (default 2). */
  epochs?: number;
  /** The training thread's script (from sources: scripts/dev-thread.mjs). */
  threadEntry?: string | URL;
  report?: (line: EpochLine) => void;
}

export interface EpochLine {
  epoch: true;
  model: ModelName;
  mode: EpochMode;
  /** Which epoch of the run (1: with the run's start-up and thread trial). */
  index: number;
  /** Threads the epoch ended on (the trainer's choice under 'auto'). */
  threads: number;
  batch: number;
  images: number;
  seconds: number;
  /** Training images of the epoch over the epoch's time (the loop's own measure, EpochMetrics). */
  imagesPerSecond: number;
  /**
   * The whole run's wall time (every epoch with its validation and checkpoints, the thread's start,
   * the test scores): what the epochs' `seconds` leave out is the loop's overhead.
   */
  runSeconds?: number;
  /** What the trainer logged, e.g. the trial's measurements under 'auto'. */
  notes?: string[];
  error?: string;
}

export async function benchEpoch(options: EpochOptions): Promise<EpochLine[]> {
  await initEngine({ prefer: 'wasm' });
  const dir = await mkdtemp(join(tmpdir(), 'casebook-epoch-'));
  const db = openDatabase(join(dir, 'bench.db'));
  const lines: EpochLine[] = [];
  try {
    const datasets = new DatasetStore(db);
    const runs = new RunStore(db);
    const { dataset } = await importDataset(datasets, ImportRequest.parse({ kind: 'archive', source: options.data }));
    for (const model of options.models ?? (['cnn', 'vnn', 'mcdropout'] as const)) {
      for (const mode of options.modes ?? (['auto'] as const)) {
        const config: RunConfig = { ...defaultRunConfig(model), epochs: options.epochs ?? 2, patience: 0 };
        const run = runs.create({ datasetId: dataset.id, datasetHash: dataset.contentHash, config });
        const notes: string[] = [];
        const runLines: EpochLine[] = [];
        const base = { epoch: true as const, model, mode, threads: 0, batch: config.batchSize };
        const started = performance.now();
        try {
          const done = await trainRun({
            runs,
            datasets,
            runId: run.id,
            backend: 'wasm',
            env: mode === 'auto' ? {} : { CASEBOOK_TRAIN_THREADS: mode },
            ...(options.threadEntry === undefined ? {} : { threadEntry: options.threadEntry }),
            log: (message) => notes.push(message),
          });
          const threads = /, 2 training threads$/.test(done.backend ?? '') ? 2 : 1;
          const runSeconds = Math.round((performance.now() - started) / 100) / 10;
          for (const metrics of runs.epochs(run.id)) {
            runLines.push({
              ...base,
              index: metrics.epoch,
              threads,
              seconds: Math.round(metrics.seconds * 10) / 10,
              imagesPerSecond: Math.round(metrics.imagesPerSecond),
              images: Math.round(metrics.imagesPerSecond * metrics.seconds),
              runSeconds,
            });
          }
        } catch (error) {
          runLines.push({
            ...base,
            index: 0,
            images: 0,
            seconds: 0,
            imagesPerSecond: 0,
            error: error instanceof Error ? error.message : String(error),
          });
        }
        if (notes.length > 0 && runLines[0]) runLines[0].notes = notes;
        for (const line of runLines) {
          options.report?.(line);
          lines.push(line);
        }
      }
    }
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
  return lines;
}
