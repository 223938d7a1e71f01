/**
 * The door between the stored runs and the statistics: reads each run's current evaluation's
 * per-image predictions (the single source of its metrics), names the test set each was tested on,
 * and hands them to `stats/compare`.
 */
import {
  CompareGroupsRequest,
  CompareRunsRequest,
  MAX_GROUP_RUNS,
  type CompareStats,
  type GroupCompareStats,
  type RunSummary,
} from '../../../shared/contract';
import { runLabel } from '../../../shared/figures/caption';
import { BadRequestError, ConflictError } from '../errors';
import type { DatasetStore } from '../store/datasets';
import type { EvaluationStore, StoredPrediction } from '../store/evaluations';
import type { RunStore } from '../store/runs';
import { compareRunStats, type StatRun } from './stats/compare';
import { compareGroupStats, type StatGroup } from './stats/group-compare';
import { prepareRun } from './stats/weighted-metrics';

export interface CompareSources {
  runs: RunStore;
  evaluations: EvaluationStore;
  datasets: DatasetStore;
}

/** FNV-1a over the images' indices and labels: the same images in the same order give the same key. */
function fingerprint(predictions: readonly StoredPrediction[]): string {
  let hash = 0x811c9dc5;
  const mix = (value: number): void => {
    hash = Math.imul(hash ^ (value & 0xffff), 0x01000193) >>> 0;
    hash = Math.imul(hash ^ (value >>> 16), 0x01000193) >>> 0;
  };
  for (const p of predictions) {
    mix(p.index);
    mix(p.label);
  }
  return hash.toString(16).padStart(8, '0');
}

function statRun(sources: CompareSources, run: RunSummary): StatRun {
  const current = sources.evaluations.current(run.id);
  if (current === null)
    throw new ConflictError(
      `run ${run.id} has no evaluation yet; evaluate it first (casebook evaluate --run ${run.id})`,
    );
  const predictions = sources.evaluations.predictions(current.id);
  if (predictions.length === 0) throw new ConflictError(`run ${run.id}: its evaluation has no stored predictions`);
  const k = predictions[0]?.probabilities.length ?? 0;
  const probabilities = new Float64Array(predictions.length * k);
  predictions.forEach((p, i) => {
    if (p.probabilities.length !== k)
      throw new ConflictError(
        `run ${run.id}: image ${p.index} has ${p.probabilities.length} stored probabilities, expected ${k}`,
      );
    probabilities.set(p.probabilities, i * k);
  });
  let name: string;
  try {
    name = `"${sources.datasets.get(run.datasetId).name}"`;
  } catch {
    name = 'a deleted dataset';
  }
  const print = fingerprint(predictions);
  return {
    runId: run.id,
    label: runLabel(run),
    testSet: `${run.datasetHash}:test:${predictions.length}:${print}`,
    testSetDescription: `the test split of ${name} (content ${run.datasetHash.slice(0, 8)}, ${predictions.length.toLocaleString('en-GB')} images, ${print})`,
    prepared: prepareRun({
      labels: predictions.map((p) => p.label),
      predicted: predictions.map((p) => p.predicted),
      confidence: predictions.map((p) => p.confidence),
      probabilities,
      classes: k,
    }),
  };
}

/** Intervals, differences, tests and sentences of the runs' current evaluations. */
export function compareRuns(sources: CompareSources, input: CompareRunsRequest): CompareStats {
  const started = performance.now();
  const request = CompareRunsRequest.parse(input);
  const ids = request.runIds;
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw new BadRequestError(`runIds: run ${duplicate} is listed twice`);
  if (request.baseline !== undefined && !ids.includes(request.baseline))
    throw new BadRequestError(`baseline: run ${request.baseline} is not among the compared runs (${ids.join(', ')})`);
  const runs = ids.map((id) => statRun(sources, sources.runs.get(id)));
  const stats = compareRunStats(runs, { baseline: request.baseline, resamples: request.bootstrap, seed: request.seed });
  return { ...stats, ms: Math.round(performance.now() - started) };
}

/** A run's seed group (the run alone when it has none), its evaluated runs prepared, the others skipped. */
function statGroup(sources: CompareSources, id: number): StatGroup {
  const runs = sources.runs.groupRuns(id);
  const first = runs[0] as RunSummary;
  const groupId = first.group ?? first.id;
  const prepared: StatRun[] = [];
  const seeds: number[] = [];
  const skipped: StatGroup['skipped'] = [];
  for (const run of runs) {
    try {
      prepared.push(statRun(sources, run));
      seeds.push(run.config.seed);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      skipped.push({ runId: run.id, reason: error.message });
    }
  }
  if (prepared.length === 0)
    throw new ConflictError(
      `group ${groupId}: none of its runs (${runs.map((r) => r.id).join(', ')}) is evaluated yet; evaluate them first`,
    );
  const label = runs.length > 1 ? `${runLabel(first)} (${prepared.length} seeds)` : runLabel(first);
  return { groupId, label, seeds, runs: prepared, skipped };
}

/** Seed groups compared: mean ± sd and min–max over seeds, differences of the seed means with intervals. */
export function compareGroups(sources: CompareSources, input: CompareGroupsRequest): GroupCompareStats {
  const started = performance.now();
  const request = CompareGroupsRequest.parse(input);
  const groups = request.groupIds.map((id) => statGroup(sources, id));
  const twice = groups.find((g, i) => groups.findIndex((h) => h.groupId === g.groupId) !== i);
  if (twice !== undefined)
    throw new BadRequestError(`groupIds: group ${twice.groupId} is named twice (ids of runs of the same group)`);
  const total = groups.reduce((n, g) => n + g.runs.length, 0);
  if (total > MAX_GROUP_RUNS)
    throw new BadRequestError(
      `groupIds: ${total} runs in these groups; at most ${MAX_GROUP_RUNS} are compared at once`,
    );
  let baseline: number | undefined;
  if (request.baseline !== undefined) {
    const base = sources.runs.get(request.baseline);
    baseline = base.group ?? base.id;
    if (!groups.some((g) => g.groupId === baseline))
      throw new BadRequestError(`baseline: run ${request.baseline}'s group is not among the compared groups`);
  }
  const stats = compareGroupStats(groups, { baseline, resamples: request.bootstrap, seed: request.seed });
  return { ...stats, ms: Math.round(performance.now() - started) };
}
