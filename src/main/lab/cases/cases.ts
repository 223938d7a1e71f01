/**
 * The case service: lists, one case across runs, the finder and annotations, over one database.
 * Every door (the app's requests, the CLI) goes through it.
 */
import type { z } from 'zod';
import {
  FinderThresholds,
  type AnnotateRequest,
  type Annotation,
  type CaseDetail,
  type CaseKey,
  type CasePage,
  type CaseSamples,
  type FindCasesRequest,
  type FinderResult,
  type GetCaseRequest,
  type UndoAnnotationRequest,
} from '../../../shared/contract';
import { BadRequestError } from '../errors';
import { toAnnotation, type AnnotationStore, type ImageKey } from '../store/annotations';
import { resolveRunSet, type CaseStore, type ListArgs, type RunSet, type RunSetStores } from '../store/cases';
import type { MapStore } from '../store/maps';
import { pointsInPolygon } from '../../../shared/map-region';

/** What the case service reads and writes through. */
export interface CaseStores extends RunSetStores {
  cases: CaseStore;
  annotations: AnnotationStore;
  maps: MapStore;
}

type GetArgs = z.output<typeof GetCaseRequest>;
type FindArgs = z.output<typeof FindCasesRequest>;
type AnnotateArgs = z.output<typeof AnnotateRequest>;
type UndoArgs = z.output<typeof UndoAnnotationRequest>;

export class CaseService {
  private readonly annotations: AnnotationStore;

  constructor(private readonly stores: CaseStores) {
    this.annotations = stores.annotations;
  }

  list(args: ListArgs): CasePage {
    return this.stores.cases.list(resolveRunSet(this.stores, args.runs), {
      ...args,
      filter: this.resolved(args.filter),
    });
  }

  /** A filter whose map region (a selection on a run's embedding map) is replaced by the images inside it. */
  private resolved(filter: ListArgs['filter']): ListArgs['filter'] {
    const { region, ...rest } = filter;
    if (region === undefined) return filter;
    const map = this.stores.maps.get(region.runId);
    if (map === null) throw new BadRequestError(`filter.region: run ${region.runId} has no embedding map`);
    const inside = pointsInPolygon(map.coords, region.polygon);
    if (rest.indices === undefined) return { ...rest, indices: inside };
    const chosen = new Set(rest.indices);
    return { ...rest, indices: inside.filter((i) => chosen.has(i)) };
  }

  find(args: FindArgs): FinderResult {
    return this.stores.cases.find(resolveRunSet(this.stores, args.runs), args);
  }

  /** One image across runs (default: every evaluated run of its dataset). */
  get(args: GetArgs): CaseDetail {
    const key = this.imageKey(args);
    const dataset = this.stores.datasets.get(args.datasetId);
    const label = this.label(args);
    // a link may name a run deleted since: the case shows the others and says which is gone
    const missingRuns = (args.runs ?? []).filter((id) => !this.stores.runs.exists(id));
    const runIds =
      args.runs?.filter((id) => !missingRuns.includes(id)) ?? this.stores.runs.evaluatedRunIds(dataset.contentHash);
    const annotation = this.annotation(args.datasetId, key);
    const base = {
      datasetId: dataset.id,
      split: key.split,
      index: key.index,
      label,
      trueClass: dataset.classes[label] ?? `#${label}`,
      tags: annotation.tags,
      note: annotation.note,
      classes: dataset.classes,
      annotation,
      missingRuns,
    };
    if (runIds.length === 0 || key.split !== 'test') return { ...base, runs: [], reasons: [] };
    const set = resolveRunSet(this.stores, runIds, args.method);
    const summary = this.stores.cases.one(set, key.index);
    if (!summary) return { ...base, runs: [], reasons: [] };
    const reasons = this.stores.cases
      .find(set, {
        limit: 1,
        thresholds: FinderThresholds.parse({}),
        index: key.index,
      })
      .lists.flatMap((list) => list.entries);
    return {
      ...base,
      runs: summary.runs.map((result) => ({ ...result, ...this.details(set, result.runId, key.index) })),
      reasons,
    };
  }

  /** The T sampled probability vectors behind a case's boxplots, when its evaluation stored them. */
  samples(runId: number, index: number): CaseSamples | null {
    const evaluation = this.stores.evaluations.current(this.stores.runs.get(runId).id);
    if (evaluation === null) return null;
    const stored = this.stores.evaluations.samples(evaluation.id, index);
    return stored === null ? null : { runId, index, ...stored, values: Array.from(stored.values) };
  }

  annotate(args: AnnotateArgs): Annotation {
    const key = this.imageKey(args);
    if (args.runId !== undefined && args.runId !== null) {
      const run = this.stores.runs.get(args.runId);
      if (run.datasetHash !== key.datasetHash)
        throw new BadRequestError(`runId: run ${run.id} was trained on another dataset than this image's`);
    }
    const state = this.annotations.change(key, {
      addTags: args.addTags,
      removeTags: args.removeTags,
      ...(args.note !== undefined ? { note: args.note } : {}),
      ...(args.runId !== undefined ? { runId: args.runId } : {}),
    });
    return toAnnotation(args.datasetId, key, state);
  }

  clear(args: CaseKey): Annotation {
    const key = this.imageKey(args);
    return toAnnotation(args.datasetId, key, this.annotations.clear(key));
  }

  undo(args: UndoArgs): Annotation | null {
    const dataset = this.stores.datasets.get(args.datasetId);
    if ((args.split === undefined) !== (args.index === undefined))
      throw new BadRequestError('undo: give both split and index (one image), or neither (the last change)');
    const image =
      args.split !== undefined && args.index !== undefined ? { split: args.split, index: args.index } : undefined;
    const undone = this.annotations.undo(dataset.contentHash, image);
    return undone === null ? null : toAnnotation(dataset.id, undone.key, undone.annotation);
  }

  listAnnotations(datasetId: number): Annotation[] {
    const dataset = this.stores.datasets.get(datasetId);
    return this.annotations
      .list(dataset.contentHash)
      .map(({ split, index, ...state }) =>
        toAnnotation(datasetId, { datasetHash: dataset.contentHash, split, index }, state),
      );
  }

  private annotation(datasetId: number, key: ImageKey): Annotation {
    return toAnnotation(datasetId, key, this.annotations.get(key));
  }

  /** The image's key for annotations; throws NotFound when the dataset has no such image. */
  private imageKey(args: CaseKey): ImageKey {
    const dataset = this.stores.datasets.get(args.datasetId);
    this.label(args);
    return { datasetHash: dataset.contentHash, split: args.split, index: args.index };
  }

  private label(args: CaseKey): number {
    return this.stores.datasets.label(args.datasetId, args.split, args.index);
  }

  private details(
    set: RunSet,
    runId: number,
    index: number,
  ): Pick<CaseDetail['runs'][number], 'boxplots' | 'maps' | 'samplesStored'> {
    const run = set.runs.find((r) => r.run.id === runId);
    if (!run) return { boxplots: null, maps: null, samplesStored: false };
    const boxplots = this.stores.evaluations.boxplots(run.evaluationId, index);
    const maps =
      run.shownExplanationId === null ? null : this.stores.explanations.imageMaps(run.shownExplanationId, index);
    return {
      boxplots: boxplots as CaseDetail['runs'][number]['boxplots'],
      maps:
        maps === null
          ? null
          : {
              explanationId: maps.explanationId,
              method: maps.method,
              score: maps.summary.score,
              targetClass: maps.summary.targetClass,
              layer: maps.layer,
              mapShape: maps.summary.mapShape,
              map: maps.map,
              std: maps.std,
              trueMap: maps.trueMap,
              trueStd: maps.trueStd,
            },
      samplesStored: this.stores.evaluations.hasSamples(run.evaluationId, index),
    };
  }
}
