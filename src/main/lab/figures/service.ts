/**
 * Figures from a study database: the runs, epochs, evaluations, explanations and cases a figure
 * shows, read from the stores, turned into a figure by the shared definitions and rendered here.
 * The app's `exportFigure`, the CLI's `figure` and the report all come through this class.
 */
import {
  GetCaseRequest,
  type FigureDescription,
  type FigureRequestArgs,
  type ExportedFigure,
  type Split,
} from '../../../shared/contract';
import {
  casePanel,
  chartFigure,
  type CasePanel,
  type ChartFigure,
  type FigureGroup,
  type FigureRun,
} from '../../../shared/figures';
import type { RunIntervals } from '../../../shared/figures/intervals';
import type { CaseService } from '../cases/cases';
import { classBoxplots as pooledBoxplots } from '../evaluation/class-boxplots';
import type { CompareStats } from '../../../shared/contract';
import { BadRequestError } from '../errors';
import { compareRuns } from '../evaluation/compare-runs';
import type { DatasetStore } from '../store/datasets';
import type { EvaluationStore } from '../store/evaluations';
import type { ExplanationStore } from '../store/explanations';
import type { MapStore } from '../store/maps';
import type { RunStore } from '../store/runs';
import { readRunMap } from '../map/read-map';
import { MIME_TYPES, renderFigure, type FigureFormat } from './render';

export interface FigureStores {
  runs: RunStore;
  datasets: DatasetStore;
  evaluations: EvaluationStore;
  explanations: ExplanationStore;
  maps: MapStore;
  cases: CaseService;
}

export class FigureService {
  constructor(private readonly stores: FigureStores) {}

  /** Intervals, differences, tests and sentences of evaluated runs (see `compareRuns`). */
  compareStats(runIds: readonly number[], options: { bootstrap?: number; seed?: number } = {}): CompareStats {
    return compareRuns(this.stores, { runIds: [...runIds], ...options });
  }

  /**
   * The runs with their metrics' 95 % bootstrap intervals (the compare view's, same seed and B),
   * drawn as error bars by the metric comparison; runs without an evaluation are left as they are.
   */
  withMetricIntervals(runs: FigureRun[]): FigureRun[] {
    const evaluated = runs.filter((r) => r.metrics !== null).map((r) => r.run.id);
    if (evaluated.length === 0) return runs;
    const stats = this.compareStats(evaluated);
    const images = [...new Set(stats.runs.map((r) => r.images.toLocaleString('en-US')))].join(' / ');
    const method = `bootstrap over ${images} test images, B = ${stats.bootstrap.toLocaleString('en-US')}`;
    return runs.map((r) => {
      const metrics: NonNullable<RunIntervals['metrics']> = {};
      for (const e of stats.estimates) {
        if (e.runId !== r.run.id || e.metric === 'nll' || e.ci === null) continue;
        metrics[e.metric] = { lo: e.ci[0], hi: e.ci[1] };
      }
      return Object.keys(metrics).length === 0 ? r : { ...r, intervals: { level: 0.95, method, metrics } };
    });
  }

  /** Whether the run has a stored embedding map. */
  hasMap(id: number): boolean {
    return this.stores.maps.get(id) !== null;
  }

  /** A run with what every figure may need of it. */
  figureRun(id: number): FigureRun {
    const run = this.stores.runs.get(id);
    return {
      run,
      datasetName: this.stores.datasets.get(run.datasetId).name,
      epochs: this.stores.runs.epochs(id),
      metrics: this.stores.evaluations.current(id)?.metrics ?? null,
      explanation: this.stores.explanations.shown(id)?.summary ?? null,
    };
  }

  /**
   * The seed groups named (each by any of its runs' ids) with all their runs. Throws naming a run in
   * no group, a group named twice, or a group whose run is also named among the runs.
   */
  figureGroups(ids: readonly number[], runIds: readonly number[]): FigureGroup[] {
    const seen = new Map<number, number>();
    return ids.map((id) => {
      const members = this.stores.runs.groupRuns(id);
      const groupId = members[0]?.group ?? null;
      if (groupId === null)
        throw new BadRequestError(`groups: run #${id} is in no seed group (no other run differs from it only by seed)`);
      const twice = seen.get(groupId);
      if (twice !== undefined)
        throw new BadRequestError(`groups: #${twice} and #${id} name the same seed group (${groupId})`);
      seen.set(groupId, id);
      const alsoRun = members.find((m) => runIds.includes(m.id));
      if (alsoRun)
        throw new BadRequestError(
          `groups: run #${alsoRun.id} is named among the runs and in its seed group (${groupId})`,
        );
      return { runs: members.map((m) => this.figureRun(m.id)) };
    });
  }

  /** The figure; `noteInText: false` leaves a case's note out of its caption and alt text (see casePanel). */
  build(request: FigureRequestArgs, options: { noteInText?: boolean } = {}): ChartFigure | CasePanel {
    const named = request.groups ?? [];
    if (request.runIds.length === 0 && named.length === 0)
      throw new BadRequestError('runIds: choose at least one run (or a seed group in groups)');
    if (named.length > 0 && request.kind !== 'curves')
      throw new BadRequestError(
        `groups: only learning curves draw a seed group (as its mean with a band); name its runs for a ${request.kind} figure`,
      );
    if (request.runIds.length + named.length > 8)
      throw new BadRequestError('runIds: at most 8 runs and groups in a figure');
    const runs = request.runIds.map((id) => this.figureRun(id));
    const groups = this.figureGroups(named, request.runIds);
    const text = { caption: request.caption, alt: request.alt };
    if (request.kind === 'class-boxplots') {
      const [first] = request.runIds;
      const classBoxplots = first === undefined ? null : pooledBoxplots(this.stores.evaluations, first);
      return chartFigure({ kind: 'class-boxplots', runs, classBoxplots, size: request.size, text });
    }
    if (request.kind === 'map') {
      const [first] = request.runIds;
      const map = first === undefined ? null : readRunMap(this.stores, first);
      const { colourBy, tag, size } = request;
      return chartFigure({ kind: 'map', runs: runs.slice(0, 1), map, colourBy, tag, size, text });
    }
    if (request.kind !== 'boxplots' && request.kind !== 'case')
      return chartFigure({
        kind: request.kind,
        runs: request.kind === 'metrics' ? this.withMetricIntervals(runs) : runs,
        groups,
        metric: request.metric,
        log: request.log,
        size: request.size,
        text,
      });
    const image = request.image;
    if (!image) throw new BadRequestError(`${request.kind}: choose an image (e.g. --image test/17)`);
    const datasetIds = new Set(runs.map((r) => r.run.datasetId));
    const [datasetId] = datasetIds;
    if (datasetId === undefined || datasetIds.size > 1)
      throw new BadRequestError(`${request.kind}: the runs must share one dataset`);
    const detail = this.stores.cases.get(
      GetCaseRequest.parse({ datasetId, split: image.split, index: image.index, runs: request.runIds }),
    );
    if (request.kind === 'boxplots') return chartFigure({ kind: 'boxplots', runs, detail, size: request.size, text });
    if (request.size && request.size !== 'screen')
      throw new BadRequestError(
        `size: the case panel has one layout (1000 px wide); the ${request.size} size is for charts`,
      );
    const { pixels, shape } = this.stores.datasets.image(datasetId, image.split, image.index);
    return casePanel({
      detail,
      runs,
      image: { pixels: new Uint8Array(pixels), shape },
      text,
      noteInText: options.noteInText,
      overlay: request.overlay,
    });
  }

  describe(request: FigureRequestArgs): FigureDescription {
    const { title, caption, alt, width, height } = this.build(request);
    return { title, caption, alt, width, height };
  }

  async export(request: FigureRequestArgs & { format: FigureFormat; scale: number }): Promise<ExportedFigure> {
    const figure = this.build(request);
    const bytes = await renderFigure(figure, request.format, request.scale);
    const { title, caption, alt, width, height } = figure;
    return {
      title,
      caption,
      alt,
      width,
      height,
      fileName: figureFileName(request),
      mimeType: MIME_TYPES[request.format],
      base64: bytes.toString('base64'),
    };
  }
}

/** "reliability-runs-1-2.svg", "case-runs-1-test-17@2x.png", "curves-loss-groups-1.svg". */
export function figureFileName(request: {
  kind: string;
  runIds: readonly number[];
  groups?: readonly number[] | undefined;
  image?: { split: Split; index: number } | undefined;
  metric?: string;
  log?: boolean;
  size?: string | undefined;
  format: FigureFormat;
  scale: number;
}): string {
  const parts = [
    request.kind === 'curves' ? `curves-${request.metric ?? 'loss'}${request.log ? '-log' : ''}` : request.kind,
    ...(request.runIds.length > 0 ? [`runs-${request.runIds.join('-')}`] : []),
    ...(request.groups && request.groups.length > 0 ? [`groups-${request.groups.join('-')}`] : []),
  ];
  if (request.image && (request.kind === 'boxplots' || request.kind === 'case'))
    parts.push(`${request.image.split}-${request.image.index}`);
  if (request.size && request.size !== 'screen') parts.push(request.size);
  const scaled = request.format === 'png' && request.scale !== 1 && !(request.size && request.size !== 'screen');
  return `${parts.join('-')}${scaled ? `@${request.scale}x` : ''}.${request.format}`;
}
