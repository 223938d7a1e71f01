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
import { AnnotationStore, toAnnotation, type ImageKey } from '../store/annotations';
import type { Db } from '../store/database';
import { floats } from '../store/explanations';
import { MapStore } from '../store/maps';
import { pointsInPolygon } from '../../../shared/map-region';
import type { DatasetStore } from '../store/datasets';
import { EvaluationStore } from '../store/evaluations';
import type { RunStore } from '../store/runs';
import { findCases } from './finder';
import { caseSummary, listCases, type ListArgs } from './query';
import { evaluatedRunIds, resolveRunSet, type RunSet } from './run-set';
import { CaseSql, type CaseRow } from './sql';

export interface CaseStores {
  db: Db;
  runs: RunStore;
  datasets: DatasetStore;
}

type GetArgs = z.output<typeof GetCaseRequest>;
type FindArgs = z.output<typeof FindCasesRequest>;
type AnnotateArgs = z.output<typeof AnnotateRequest>;
type UndoArgs = z.output<typeof UndoAnnotationRequest>;

export class CaseService {
  readonly annotations: AnnotationStore;
  private readonly maps: MapStore;

  constructor(private readonly stores: CaseStores) {
    this.annotations = new AnnotationStore(stores.db);
    this.maps = new MapStore(stores.db);
  }

  list(args: ListArgs): CasePage {
    return listCases(this.stores.db, resolveRunSet(this.stores, args.runs), {
      ...args,
      filter: this.resolved(args.filter),
    });
  }

  /** A filter whose map region (a selection on a run's embedding map) is replaced by the images inside it. */
  private resolved(filter: ListArgs['filter']): ListArgs['filter'] {
    const { region, ...rest } = filter;
    if (region === undefined) return filter;
    const map = this.maps.get(region.runId);
    if (map === null) throw new BadRequestError(`filter.region: run ${region.runId} has no embedding map`);
    const inside = pointsInPolygon(map.coords, region.polygon);
    if (rest.indices === undefined) return { ...rest, indices: inside };
    const chosen = new Set(rest.indices);
    return { ...rest, indices: inside.filter((i) => chosen.has(i)) };
  }

  find(args: FindArgs): FinderResult {
    return findCases(this.stores.db, resolveRunSet(this.stores, args.runs), args);
  }

  /** One image across runs (default: every evaluated run of its dataset). */
  get(args: GetArgs): CaseDetail {
    const key = this.imageKey(args);
    const dataset = this.stores.datasets.get(args.datasetId);
    const label = this.label(args);
    // a link may name a run deleted since: the case shows the others and says which is gone
    const missingRuns = (args.runs ?? []).filter((id) => !this.stores.runs.exists(id));
    const runIds =
      args.runs?.filter((id) => !missingRuns.includes(id)) ?? evaluatedRunIds(this.stores.db, dataset.contentHash);
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
    const sql = new CaseSql(set);
    const row = this.stores.db
      .prepare<[Record<string, number | string>], CaseRow>(
        `SELECT ${sql.columns} ${sql.from} WHERE ${sql.base} AND i.idx = @index`,
      )
      .raw()
      .get({ ...sql.params, index: key.index });
    if (!row) return { ...base, runs: [], reasons: [] };
    const summary = caseSummary(set, row);
    const reasons = findCases(this.stores.db, set, {
      limit: 1,
      thresholds: FinderThresholds.parse({}),
      index: key.index,
    }).lists.flatMap((list) => list.entries);
    return {
      ...base,
      runs: summary.runs.map((result) => ({ ...result, ...this.details(set, result.runId, key.index) })),
      reasons,
    };
  }

  /** The T sampled probability vectors behind a case's boxplots, when its evaluation stored them. */
  samples(runId: number, index: number): CaseSamples | null {
    const evaluation = this.stores.db
      .prepare<[number], number>('SELECT id FROM evaluations WHERE run_id = ? ORDER BY id DESC LIMIT 1')
      .pluck()
      .get(this.stores.runs.get(runId).id);
    if (evaluation === undefined) return null;
    const stored = new EvaluationStore(this.stores.db).samples(evaluation, index);
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
    const db = this.stores.db;
    const boxplots = db
      .prepare<[number, number], string | null>('SELECT boxplots FROM predictions WHERE evaluation_id = ? AND idx = ?')
      .pluck()
      .get(run.evaluationId, index);
    return {
      boxplots: boxplots ? (JSON.parse(boxplots) as CaseDetail['runs'][number]['boxplots']) : null,
      maps: run.explanationId === null ? null : readMaps(db, run.explanationId, index),
      samplesStored: hasSamples(db, run.evaluationId, index),
    };
  }
}

interface MapRow {
  method: 'gradcam' | 'gradcampp';
  layer: string;
  summary: string;
  map: Buffer;
  std: Buffer | null;
  true_map: Buffer | null;
  true_std: Buffer | null;
}

function readMaps(db: Db, explanationId: number, index: number): CaseDetail['runs'][number]['maps'] {
  const row = db
    .prepare<[number, number], MapRow>(
      `SELECT e.method, e.layer, e.summary, m.map, m.std, m.true_map, m.true_std
         FROM explanation_images m JOIN explanations e ON e.id = m.explanation_id
        WHERE m.explanation_id = ? AND m.idx = ?`,
    )
    .get(explanationId, index);
  if (!row) return null;
  const summary = JSON.parse(row.summary) as { mapShape: [number, number] };
  return {
    explanationId,
    method: row.method,
    layer: row.layer,
    mapShape: summary.mapShape,
    map: floats(row.map) ?? [],
    std: floats(row.std),
    trueMap: floats(row.true_map),
    trueStd: floats(row.true_std),
  };
}

function hasSamples(db: Db, evaluationId: number, index: number): boolean {
  return (
    db.prepare('SELECT 1 FROM evaluation_samples WHERE evaluation_id = ? AND idx = ?').get(evaluationId, index) !==
    undefined
  );
}
