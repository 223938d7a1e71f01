/**
 * Nearest training images for the doors: one image's k nearest training images in a run's
 * stored features, and the finder's "may be mislabelled" list over a set of runs. The unit rows
 * of the training images of the last few runs are kept in memory (15,000 × 128 values decode and
 * normalise in about 10 ms; a query over the kept rows takes a few); a test image's one row is
 * read alone.
 */
import {
  SUSPECTS_TITLE,
  type FindSuspectsRequest,
  type GetNeighboursRequest,
  type NeighbourResult,
  type Split,
  type SuspectList,
} from '../../../shared/contract';
import { neighbourVerdict, pluralClass } from '../../../shared/neighbours';
import type { z } from 'zod';
import { ConflictError, NotFoundError, BadRequestError } from '../errors';
import type { DatasetStore } from '../store/datasets';
import type { EvaluationStore } from '../store/evaluations';
import type { FeatureStore } from '../store/features';
import type { RunStore } from '../store/runs';
import type { TrainLabelCheckStore } from '../store/train-label-checks';
import { meanRow, nearest, unitRows } from './knn';

export interface NeighbourStores {
  runs: RunStore;
  datasets: DatasetStore;
  evaluations: EvaluationStore;
  features: FeatureStore;
  labelChecks: TrainLabelCheckStore;
}

interface Kept {
  createdAt: string;
  /** The training images' mean row: every row is measured from it (./knn `meanRow`). */
  centre: Float32Array;
  dim: number;
  count: number;
  layer: string;
  unit: Float32Array;
}

/** Runs whose training images' unit rows stay in memory (a case view compares up to 8 runs). */
const KEEP = 8;

function beyond(runId: number, split: Split, index: number, count: number): NotFoundError {
  return new NotFoundError(
    `run ${runId} has features of ${split} images 0–${count - 1} (its ${split === 'train' ? 'trainLimit' : 'testLimit'}); ${split}/${index} is not among them`,
  );
}

export class NeighbourService {
  private readonly kept = new Map<string, Kept>();
  private readonly labels = new Map<string, Uint8Array>();

  constructor(private readonly stores: NeighbourStores) {}

  /** The k nearest training images of one image in one run's features (see NeighbourResult). */
  neighbours(args: z.output<typeof GetNeighboursRequest>): NeighbourResult {
    const run = this.stores.runs.get(args.runId);
    const dataset = this.stores.datasets.get(run.datasetId);
    if (dataset.contentHash !== run.datasetHash)
      throw new ConflictError(`dataset ${dataset.id} no longer has the content run ${run.id} was trained on`);
    const train = this.unit(run.id, 'train');
    const query =
      args.split === 'train' ? this.trainRow(train, run.id, args.index) : this.testRow(train, run.id, args.index);
    const found = nearest(train.unit, train.dim, query, args.k);
    const trainLabels = this.splitLabels(dataset.id, dataset.contentHash, 'train');
    const label = this.stores.datasets.label(dataset.id, args.split, args.index);
    const name = (k: number): string => dataset.classes[k] ?? `class ${k}`;
    const evaluation = args.split === 'test' ? this.stores.evaluations.current(run.id) : null;
    const predicted = evaluation ? this.stores.evaluations.predicted(evaluation.id, args.index) : null;
    const neighbours = found.map(({ index, distance }) => {
      const l = trainLabels[index] ?? 0;
      return { split: 'train' as const, index, label: l, className: name(l), distance };
    });
    const others = neighbours.filter((n) => args.split !== 'train' || n.index !== args.index);
    const verdict = neighbourVerdict({
      classes: dataset.classes,
      label,
      predicted,
      labels: others.map((n) => n.label),
    });
    return {
      runId: run.id,
      image: { split: args.split, index: args.index, label, className: name(label) },
      layer: train.layer,
      neighbours,
      predicted,
      predictedClass: predicted === null ? null : name(predicted),
      sentence: verdict.sentence,
      likePredicted: verdict.likePredicted,
    };
  }

  /** The training images whose nearest training images nearly all carry another label, in every run. */
  suspects(args: z.output<typeof FindSuspectsRequest>): SuspectList {
    const runs = args.runs.map((id) => this.stores.runs.get(id));
    const first = runs[0];
    if (!first) return { title: SUSPECTS_TITLE, total: 0, entries: [], missingRuns: [] };
    const other = runs.find((r) => r.datasetHash !== first.datasetHash);
    if (other) throw new BadRequestError(`runs: run ${other.id} was trained on another dataset than run ${first.id}`);
    const dataset = this.stores.datasets.get(first.datasetId);
    const withChecks = this.stores.labelChecks.runsWithChecks(args.runs);
    const checked = args.runs.filter((id) => withChecks.includes(id));
    const missingRuns = args.runs.filter((id) => !withChecks.includes(id));
    const found = this.stores.labelChecks.suspects(checked, args.share, args.limit);
    const name = (k: number | null): string => (k === null ? '–' : (dataset.classes[k] ?? `class ${k}`));
    const runName = new Map(runs.map((r) => [r.id, r.name]));
    return {
      title: SUSPECTS_TITLE,
      total: found.total,
      missingRuns,
      entries: found.items.map((s) => {
        const part = (c: (typeof s.checks)[number], first: boolean): string => {
          const of = first ? `${c.other} of its ${c.k} nearest training images` : `${c.other} of ${c.k}`;
          const what =
            c.majorityCount === c.other
              ? `are ${pluralClass(name(c.majority))}`
              : `carry another label (${c.majorityCount} ${pluralClass(name(c.majority))})`;
          const near = c.nearestOther === null ? '' : ` (the nearest at distance ${c.nearestOther.toFixed(3)})`;
          return `${of} ${what}${near} in ${runName.get(c.runId) ?? `run ${c.runId}`}`;
        };
        const reason = `labelled ${name(s.label)}, but ${s.checks.map((c, i) => part(c, i === 0)).join('; ')}`;
        return {
          datasetId: dataset.id,
          split: 'train' as const,
          index: s.index,
          label: s.label,
          trueClass: name(s.label),
          reason,
          score: s.score,
        };
      }),
    };
  }

  private trainRow(train: Kept, runId: number, index: number): Float32Array {
    if (index >= train.count) throw beyond(runId, 'train', index, train.count);
    return train.unit.subarray(index * train.dim, (index + 1) * train.dim);
  }

  /** One test image's unit row, read alone (a case needs one row of the test split, not all of it). */
  private testRow(train: Kept, runId: number, index: number): Float32Array {
    const row = this.stores.features.row(runId, 'test', index);
    if (row === null) throw new ConflictError(`run ${runId} has no test features; compute them again`);
    if (index >= row.count) throw beyond(runId, 'test', index, row.count);
    if (row.dim !== train.dim)
      throw new ConflictError(
        `run ${runId}'s test features have ${row.dim} values, its training features ${train.dim}; compute them again`,
      );
    return unitRows(row.values, row.dim, train.centre);
  }

  /** A run's unit rows of one split, from memory or the store; a ConflictError when it has none yet. */
  private unit(runId: number, split: Split): Kept {
    const key = `${runId}:${split}`;
    const stamp = this.stores.features.stamp(runId, split);
    if (stamp === null)
      throw new ConflictError(
        `run ${runId} has no features yet; compute them (computeFeatures, the case view's button, or \`casebook neighbours\`)`,
      );
    const kept = this.kept.get(key);
    if (kept && kept.createdAt === stamp) {
      // most recently used last
      this.kept.delete(key);
      this.kept.set(key, kept);
      return kept;
    }
    const stored = this.stores.features.get(runId, split);
    if (!stored) throw new ConflictError(`run ${runId} has no ${split} features`);
    const centre = meanRow(stored.values, stored.dim);
    const fresh: Kept = {
      createdAt: stored.createdAt,
      centre,
      dim: stored.dim,
      count: stored.count,
      layer: stored.layer,
      unit: unitRows(stored.values, stored.dim, centre),
    };
    this.kept.delete(key);
    this.kept.set(key, fresh);
    while (this.kept.size > KEEP) this.kept.delete(this.kept.keys().next().value as string);
    return fresh;
  }

  private splitLabels(datasetId: number, hash: string, split: Split): Uint8Array {
    const key = `${hash}:${split}`;
    let labels = this.labels.get(key);
    if (!labels) {
      labels = this.stores.datasets.labels(datasetId, split);
      this.labels.set(key, labels);
    }
    return labels;
  }
}
