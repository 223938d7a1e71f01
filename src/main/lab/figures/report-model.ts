/**
 * What a report says, independent of its format: the dataset, the runs, the figures (each with
 * its caption and alt text) and the cases. Built once; written as HTML or Markdown.
 */
import {
  MODEL_LABELS,
  STAT_METRIC_INFO,
  type CaseKey,
  type DatasetSummary,
  type NeighbourResult,
  type Split,
} from '../../../shared/contract';
import { significant } from '../../../shared/numbers';
import { statsMethod, statsTable } from '../../../shared/stats-format';
import {
  fixed,
  neighbourStrip,
  percent,
  runLabel,
  type FigureRun,
  type StripImage,
  type StripRunInput,
} from '../../../shared/figures';
import type { CaseService } from '../cases/cases';
import { errorCode } from '../errors';
import type { NeighbourService } from '../features/service';
import type { DatasetStore } from '../store/datasets';
import type { AnyFigure } from './render';
import type { FigureService } from './service';

export interface ReportFigure {
  /** A file name without extension, unique in the report. */
  name: string;
  figure: AnyFigure;
}

export interface ReportCase {
  key: { split: Split; index: number };
  heading: string;
  tags: string[];
  note: string;
  reasons: string[];
  /** Per run with features: its sentence and the nearest training images (label, distance). */
  neighbours: string[];
  panel: ReportFigure;
  /** The same as thumbnails: the case image, then each run's 8 nearest training images (null: no run has features). */
  strip: ReportFigure | null;
}

export interface ReportTable {
  head: string[];
  rows: string[][];
}

/** The runs' metrics with intervals, differences, tests and sentences; see `stats/compare`. */
export interface ReportComparison {
  /** How the intervals and tests were made. */
  method: string;
  table: ReportTable;
  sentences: string[];
  /** Runs left out of the differences (other test sets), and why no run is best. */
  notes: string[];
}

export interface ReportModel {
  title: string;
  created: string;
  dataset: DatasetSummary;
  datasetTable: ReportTable;
  runsTable: ReportTable;
  explanationTable: ReportTable | null;
  /** Null when fewer than two runs are evaluated, or the statistics could not be had (see `skipped`). */
  comparison: ReportComparison | null;
  sections: { heading: string; text: string; figures: ReportFigure[] }[];
  cases: ReportCase[];
  /** Cases that could not be drawn, with the reason. */
  skipped: string[];
}

export interface ReportSources {
  figures: FigureService;
  cases: CaseService;
  datasets: DatasetStore;
  /** A case's nearest training images per run (runs without features are left out). */
  neighbours?: Pick<NeighbourService, 'neighbours'>;
}

/** Each run's nearest training images of a case (runs without features are left out). */
function caseNeighbours(
  sources: ReportSources,
  runs: readonly { id: number; name: string }[],
  key: { split: Split; index: number },
): { name: string; result: NeighbourResult; shown: NeighbourResult['neighbours'] }[] {
  const service = sources.neighbours;
  if (!service) return [];
  return runs.flatMap((run) => {
    let result: NeighbourResult;
    try {
      // a training image is its own nearest: one more asked for, so 8 remain
      const k = key.split === 'train' ? 9 : 8;
      result = service.neighbours({ runId: run.id, split: key.split, index: key.index, k });
    } catch (error) {
      if (errorCode(error) === 'conflict') return []; // no features yet
      throw error;
    }
    const shown = result.neighbours.filter((n) => !(n.split === key.split && n.index === key.index)).slice(0, 8);
    return [{ name: run.name, result, shown }];
  });
}

/** "CNN #1: Looks like the trucks it was trained on (…). Nearest: train/4512 truck 0.041, …" per run. */
function neighbourLines(found: ReturnType<typeof caseNeighbours>): string[] {
  return found.map(({ name, result, shown }) => {
    const list = shown.map((n) => `${n.split}/${n.index} ${n.className} ${significant(n.distance, 2)}`).join(', ');
    return `${name}: ${result.sentence} Nearest: ${list}.`;
  });
}

/** One image of the dataset as a strip's thumbnail. */
function stripImage(sources: ReportSources, datasetId: number, split: Split, index: number): StripImage {
  const { pixels, shape } = sources.datasets.image(datasetId, split, index);
  return { pixels: new Uint8Array(pixels), shape };
}

/** The thumbnails of a case's neighbours, from the dataset's images. */
function stripRuns(
  sources: ReportSources,
  datasetId: number,
  trueClass: string,
  found: ReturnType<typeof caseNeighbours>,
): StripRunInput[] {
  const image = (split: Split, index: number) => stripImage(sources, datasetId, split, index);
  return found.map(({ name, result, shown }) => ({
    runLabel: name,
    predictedClass: result.predictedClass,
    correct: result.predictedClass === null ? null : result.predictedClass === trueClass,
    sentence: result.sentence,
    neighbours: shown.map((n) => ({ ...n, image: image(n.split, n.index) })),
  }));
}

export type ReportCases = 'annotated' | 'none' | readonly { split: Split; index: number }[];

function runsTable(runs: readonly FigureRun[]): ReportTable {
  return {
    head: [
      'run',
      'model',
      'epochs',
      'batch',
      'lr',
      'seed',
      'T',
      'params',
      'accuracy',
      'AUC (H–T)',
      'NLL',
      'Brier',
      'ECE',
      'AURC',
    ],
    rows: runs.map(({ run, metrics }) => [
      runLabel(run),
      MODEL_LABELS[run.model],
      `${run.epochsDone} / ${run.config.epochs}`,
      String(run.config.batchSize),
      String(run.config.learningRate),
      String(run.config.seed),
      metrics ? String(metrics.samples) : 'n/a',
      run.params === null ? 'n/a' : run.params.toLocaleString('en-GB'),
      percent(metrics?.accuracy),
      fixed(metrics?.aucHandTill),
      fixed(metrics?.nll),
      fixed(metrics?.brier),
      fixed(metrics?.ece),
      fixed(metrics?.aurc),
    ]),
  };
}

function explanationTable(runs: readonly FigureRun[]): ReportTable | null {
  const explained = runs.filter((r) => r.explanation);
  if (explained.length === 0) return null;
  return {
    head: [
      'run',
      'method',
      'layer',
      'images',
      'deletion drop (top 20 %)',
      'random drop (20 %)',
      'ROAD drop, top 20 %',
      'ROAD drop, bottom 20 %',
      'ROAD score',
      'mean background share',
    ],
    rows: explained.map(({ run, explanation: e }) => {
      // ROAD: the same pixels by noisy linear imputation instead of the mean fill (none before it existed)
      const road = e?.road.find((r) => r.fraction === 0.2);
      return [
        runLabel(run),
        e?.method === 'gradcampp' ? 'Grad-CAM++' : 'Grad-CAM',
        e?.layer ?? '',
        String(e?.images ?? 0),
        fixed(e?.deletionDrop),
        fixed(e?.randomDrop),
        road ? fixed(road.mostDrop) : 'n/a',
        road ? fixed(road.leastDrop) : 'n/a',
        e?.roadScore == null ? 'n/a' : fixed(e.roadScore),
        percent(e?.meanBackground),
      ];
    }),
  };
}

/** Gathers everything a report of these runs shows; figures that cannot be made are left out with a reason. */
export function reportModel(sources: ReportSources, runIds: readonly number[], cases: ReportCases): ReportModel {
  if (runIds.length === 0) throw new Error('report: choose at least one run (--runs 1,2,3)');
  const runs = runIds.map((id) => sources.figures.figureRun(id));
  const datasetIds = [...new Set(runs.map((r) => r.run.datasetId))];
  const [datasetId] = datasetIds;
  if (datasetId === undefined || datasetIds.length > 1) throw new Error('report: the runs must share one dataset');
  const dataset = sources.datasets.get(datasetId);
  const skipped: string[] = [];
  const ids = [...runIds];
  const figure = (name: string, make: () => AnyFigure): ReportFigure[] => {
    try {
      return [{ name, figure: make() }];
    } catch (error) {
      skipped.push(`${name}: ${(error as Error).message}`);
      return [];
    }
  };
  const build = (
    kind: Parameters<FigureService['build']>[0]['kind'],
    runIdsFor = ids,
    metric: 'loss' | 'accuracy' = 'loss',
  ) => sources.figures.build({ kind, runIds: runIdsFor, metric });
  const evaluated = runs.filter((r) => r.metrics !== null).map((r) => r.run.id);
  const sampled = runs.filter((r) => (r.metrics?.convergence.length ?? 0) > 0).map((r) => r.run.id);
  const sections = [
    {
      heading: 'Metrics',
      text: 'Test-set metrics of each run from its current evaluation.',
      figures: evaluated.length > 0 ? figure('metrics', () => build('metrics', evaluated)) : [],
    },
    {
      heading: 'Learning curves',
      text: 'Training and validation loss and accuracy per epoch.',
      figures: [
        ...figure('curves-loss', () => build('curves', ids, 'loss')),
        ...figure('curves-accuracy', () => build('curves', ids, 'accuracy')),
      ],
    },
    {
      heading: 'Calibration',
      text: 'Reliability diagrams, risk–coverage curves and, for sampled runs, how the Monte Carlo error falls with T.',
      figures: [
        ...(evaluated.length > 0 ? figure('reliability', () => build('reliability', evaluated)) : []),
        ...(evaluated.length > 0 ? figure('risk-coverage', () => build('risk-coverage', evaluated)) : []),
        ...(sampled.length > 0 ? figure('convergence', () => build('convergence', sampled)) : []),
      ],
    },
    {
      heading: 'Confusion matrices',
      text: 'Rows are the true class, columns the predicted class.',
      figures: evaluated.flatMap((id) => figure(`confusion-${id}`, () => build('confusion', [id]))),
    },
  ];
  // the runs' embedding maps, where they have one (computed on demand: a run without is not an omission)
  const mapped = ids.filter((id) => sources.figures.hasMap(id));
  if (mapped.length > 0)
    sections.push({
      heading: 'Embedding maps',
      text: "UMAP of each mapped run's features of its test images (the layer before the classifier head), coloured by the true class and by whether the prediction is right: a class that breaks into islands, or wrong predictions gathered in one place, say what the model confuses.",
      figures: mapped.flatMap((id) => [
        ...figure(`map-${id}`, () =>
          sources.figures.build({ kind: 'map', runIds: [id], metric: 'loss', colourBy: 'true' }),
        ),
        ...figure(`map-${id}-outcome`, () =>
          sources.figures.build({ kind: 'map', runIds: [id], metric: 'loss', colourBy: 'outcome' }),
        ),
      ]),
    });
  const keys: { split: Split; index: number }[] =
    cases === 'none'
      ? []
      : cases === 'annotated'
        ? sources.cases
            .listAnnotations(datasetId)
            .filter((a) => a.tags.length > 0 || a.note.trim().length > 0)
            .map((a) => ({ split: a.split, index: a.index }))
            .sort((a, b) => a.index - b.index)
        : [...cases];
  const reportCases = keys.flatMap((key): ReportCase[] => {
    const panel = figure(`case-${key.split}-${key.index}`, () =>
      // the note is quoted after the figure: not again in its caption and alt text
      sources.figures.build({ kind: 'case', runIds: ids, image: key, metric: 'loss' }, { noteInText: false }),
    );
    const first = panel[0];
    if (!first) return [];
    const detail = sources.cases.get({ datasetId, split: key.split, index: key.index, runs: ids } satisfies CaseKey & {
      runs: number[];
    });
    const found = caseNeighbours(
      sources,
      runs.map((r) => ({ id: r.run.id, name: runLabel(r.run) })),
      key,
    );
    const strip =
      found.length === 0
        ? []
        : figure(`neighbours-${key.split}-${key.index}`, () =>
            neighbourStrip({
              split: key.split,
              index: key.index,
              trueClass: detail.trueClass,
              datasetName: dataset.name,
              image: stripImage(sources, datasetId, key.split, key.index),
              runs: stripRuns(sources, datasetId, detail.trueClass, found),
            }),
          );
    return [
      {
        key,
        heading: `${key.split} image ${key.index}: true ${detail.trueClass}`,
        tags: detail.tags,
        note: detail.note,
        reasons: [...new Set(detail.reasons.map((r) => r.reason))],
        neighbours: neighbourLines(found),
        panel: first,
        strip: strip[0] ?? null,
      },
    ];
  });
  let comparison: ReportComparison | null = null;
  if (evaluated.length >= 2) {
    try {
      const stats = sources.figures.compareStats(evaluated);
      comparison = {
        method: statsMethod(stats),
        table: statsTable(stats),
        sentences: stats.differences.map((d) => d.sentence),
        notes: [
          ...stats.notComparable.map((n) => n.reason),
          ...stats.best.filter((b) => b.runId !== null).map((b) => `${STAT_METRIC_INFO[b.metric].label}: ${b.note}`),
        ],
      };
    } catch (error) {
      skipped.push(`metrics compared: ${(error as Error).message}`);
    }
  }
  const counts = (split: 'train' | 'test') => dataset.classes.map((name) => String(dataset.counts[split][name] ?? 0));
  return {
    title: `Casebook report: ${runs.map((r) => runLabel(r.run)).join(', ')} on "${dataset.name}"`,
    created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    dataset,
    datasetTable: {
      head: ['split', ...dataset.classes, 'all'],
      rows: (['train', 'test'] as const).map((split) => [
        split,
        ...counts(split),
        String(counts(split).reduce((sum, n) => sum + Number(n), 0)),
      ]),
    },
    runsTable: runsTable(runs),
    explanationTable: explanationTable(runs),
    comparison,
    sections,
    cases: reportCases,
    skipped,
  };
}
