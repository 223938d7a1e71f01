/**
 * Figures: a chart definition (the builders the screen uses) plus a title, a size, a caption and
 * alt text generated from the runs it shows. The same function serves the app's export, the CLI
 * and the report, so a figure has one title, one pair of axes and one data set wherever it is drawn.
 */
import {
  FIGURE_FONT_PX,
  PAPER_SIZES,
  type AnyChartConfiguration,
  type ChartFigure,
  type FigureKind,
  type FigureRun,
  type FigureSize,
  type FigureText,
} from './types';
import type { CaseDetail, ClassBoxplots, RunMap } from '../contract';
import { MAP_COLOUR_LABELS, mapChart, mapColouring, type MapColourBy } from './embedding-map';
import { caseBoxplotChart, classBoxplotChart } from './boxplots';
import { evaluationChart, type EvaluatedRun } from './calibration';
import { fixed, groupDescription, percent, runDescription, runIds, runLabel, runsSentence, sentence } from './caption';
import { curveChart, runCurveChart, type CurveMetric, type CurveRun } from './curves';
import { groupCurves } from './group-curves';
import { intervalWords, type RunIntervals } from './intervals';
import { confusionChart } from './matrix';
import { COMPARED_METRICS, metricsChart } from './metrics';
import { runColour } from './style';

/** A seed group in a figure: its runs (its seeds); the one with the smallest id names it and gives its colour. */
export interface FigureGroup {
  runs: readonly FigureRun[];
}

/** The group's runs in id order, its name ("CNN #1 (3 seeds)") and its seeds. */
function groupParts(group: FigureGroup) {
  const members = [...group.runs].sort((a, b) => a.run.id - b.run.id);
  const first = members[0];
  if (!first) throw new Error('groups: a seed group without runs');
  return {
    members,
    first,
    name: `${runLabel(first.run)} (${members.length} seeds)`,
    seeds: members.map((m) => m.run.config.seed).join(', '),
  };
}

export interface ChartFigureInput {
  kind: Exclude<FigureKind, 'case'>;
  /** The runs, in order (each drawn in its own colour). */
  runs: readonly FigureRun[];
  /** Seed groups, after the runs (learning curves only): each drawn as its mean with a min–max band. */
  groups?: readonly FigureGroup[] | undefined;
  /** The case, for boxplots. */
  detail?: CaseDetail | undefined;
  /** The first run's test set pooled per true class, for class-boxplots. */
  classBoxplots?: ClassBoxplots | null | undefined;
  /** The embedding map of the first run, and what colours it. */
  map?: RunMap | null | undefined;
  colourBy?: MapColourBy | undefined;
  tag?: string | undefined;
  /** Learning curves: loss (default) or accuracy. */
  metric?: CurveMetric | undefined;
  /** Learning curves of the loss on a logarithmic axis. */
  log?: boolean | undefined;
  /** As on screen (default), or at a paper's column or page width with text at the paper's size. */
  size?: FigureSize | undefined;
  text?: FigureText | undefined;
}

/** A configuration with the figure's title drawn above the chart (export only: the screen has its own label). */
export function withTitle<C extends AnyChartConfiguration>(config: C, title: string): C {
  const options = config.options ?? {};
  return {
    ...config,
    options: {
      ...options,
      responsive: false,
      // room at the right for the last tick label and the last point, none of which the screen needs
      layout: { padding: { top: 6, right: 20, bottom: 6, left: 8 } },
      plugins: {
        ...options.plugins,
        title: { display: true, text: title, font: { size: 15, weight: 'bold' }, padding: { top: 4, bottom: 10 } },
      },
    },
  };
}

/**
 * A configuration for a paper: no title drawn (the paper's caption carries it; the file keeps it
 * as metadata) and a narrow margin. Its text and lines are those of the screen's drawing, which the
 * export scales to the printed size.
 */
export function forPaper<C extends AnyChartConfiguration>(config: C): C {
  const options = config.options ?? {};
  return {
    ...config,
    options: {
      ...options,
      responsive: false,
      layout: { padding: { top: 4, right: 16, bottom: 2, left: 2 } },
      plugins: { ...options.plugins, title: { display: false } },
    },
  };
}

/**
 * A paper size's drawing: as many CSS pixels as make the screen's 12 px text the paper's size once
 * scaled to the printed width (a column: 351 px drawn into 234 pt, 12 px → 8 pt), and the height
 * from the figure's own proportions (no flatter than 0.72 in a column, where legends take room).
 */
export function paperSize(size: Exclude<FigureSize, 'screen'>, screen: { width: number; height: number }) {
  const paper = PAPER_SIZES[size];
  const pixelsPerPoint = FIGURE_FONT_PX / paper.fontSize;
  const width = Math.round(paper.width * pixelsPerPoint);
  const height = Math.round(width * Math.max(screen.height / screen.width, size === 'column' ? 0.72 : 0));
  return {
    width,
    height,
    printed: {
      size,
      width: paper.width,
      height: Math.round((height / pixelsPerPoint) * 100) / 100,
      fontSize: paper.fontSize,
    },
  };
}

const as = (config: unknown): AnyChartConfiguration => config as AnyChartConfiguration;

function evaluated(runs: readonly FigureRun[], kind: string): EvaluatedRun[] {
  const list = runs.flatMap((r) =>
    r.metrics === null
      ? []
      : [
          {
            runId: r.run.id,
            label: runLabel(r.run),
            colour: runColour(r.run),
            metrics: r.metrics,
            intervals: r.intervals ?? null,
          },
        ],
  );
  const missing = runs.filter((r) => r.metrics === null).map((r) => runLabel(r.run));
  if (missing.length > 0)
    throw new Error(`${kind}: ${missing.join(', ')} has no evaluation yet (run "casebook evaluate")`);
  return list;
}

function curves(runs: readonly FigureRun[], groups: readonly FigureGroup[], metric: CurveMetric, log: boolean) {
  const empty = runs.filter((r) => r.epochs.length === 0).map((r) => runLabel(r.run));
  if (empty.length > 0) throw new Error(`curves: ${empty.join(', ')} has no recorded epochs`);
  const asCurve = (r: FigureRun): CurveRun => ({
    runId: r.run.id,
    label: runLabel(r.run),
    colour: runColour(r.run),
    epochs: r.epochs,
    intervals: r.intervals ?? null,
  });
  // a group's seeds without an epoch yet (queued, just started) are left out of its mean
  const grouped = groups.map((group) => {
    const parts = groupParts(group);
    const recorded = parts.members.filter((m) => m.epochs.length > 0);
    if (recorded.length === 0) throw new Error(`curves: no run of ${parts.name} has recorded an epoch`);
    const [curve] = groupCurves(recorded.map((m) => ({ ...asCurve(m), intervals: null, group: parts.first.run.id })));
    if (!curve) throw new Error(`curves: ${parts.name} has no curve`);
    return { ...parts, recorded, curve };
  });
  const drawn: CurveRun[] = [...runs.map(asCurve), ...grouped.map((g) => g.curve)];
  const last = (epochs: CurveRun['epochs']) => epochs[epochs.length - 1];
  const finals = [
    ...runs.map((r) => ({ label: runLabel(r.run), epochs: r.epochs, best: r.run.bestEpoch, mean: false })),
    ...grouped.map((g) => ({ label: g.name, epochs: g.curve.epochs, best: null, mean: true })),
  ].map(({ label, epochs, best, mean }) => {
    const e = last(epochs);
    const train = e ? (metric === 'loss' ? e.loss : e.accuracy) : null;
    const held = e ? (metric === 'loss' ? e.valLoss : e.valAccuracy) : null;
    const of = mean ? 'mean ' : '';
    return `${label} ends at epoch ${e?.epoch ?? 0} with ${of}training ${metric} ${fixed(train)} and ${of}validation ${metric} ${fixed(held)}${best === null ? '' : ` (best epoch ${best})`}`;
  });
  const single = runs.length === 1 && grouped.length === 0;
  const maxEpoch = Math.max(1, ...drawn.flatMap((r) => r.epochs.map((e) => e.epoch)));
  const names = [...runs.map((r) => runLabel(r.run)), ...grouped.map((g) => g.name)];
  const groupWords = grouped.map(
    (g) =>
      `${groupDescription(g.recorded)}${g.recorded.length === g.members.length ? '' : ` (${g.members.length - g.recorded.length} more without an epoch yet)`}`,
  );
  const shown = [...(runs.length > 0 ? [runsSentence(runs)] : []), ...groupWords];
  const datasets = runs.length > 0 ? '' : ` on the dataset "${grouped[0]?.first.datasetName ?? ''}"`;
  return {
    config: as(
      single && runs[0]
        ? runCurveChart(runs[0].epochs, metric, { log, intervals: runs[0].intervals })
        : curveChart(drawn, { metric, smoothing: 0, log, maxEpoch }),
    ),
    title: `Learning curves (${metric}): ${list(names)}`,
    // the legend names the series and their lines: the caption says what it cannot
    caption: `Training and validation ${metric} per epoch${log && metric === 'loss' ? ' (log scale)' : ''} of ${list(shown)}${datasets}${
      grouped.length > 0
        ? `; a seed group is drawn as the mean over its seeds per epoch, with a shaded band from the lowest to the highest seed (min–max)`
        : ''
    }${intervalNote(
      runs.map((r) => (r.intervals?.epochs?.length ? r.intervals : null)),
      'bands',
    )}.`,
    alt: `Line chart of ${metric} against epoch. ${finals.map(sentence).join(' ')}`,
  };
}

/** "a, b and c". */
function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** "; error bars: 95 % confidence intervals (…)" when some run's intervals are drawn, else nothing. */
function intervalNote(given: readonly (RunIntervals | null | undefined)[], shape: 'bars' | 'bands'): string {
  const first = given.find((i): i is RunIntervals => i !== null && i !== undefined);
  return first ? `; ${shape === 'bars' ? 'error bars' : 'shaded bands'}: ${intervalWords(first)}` : '';
}

function caseName(detail: CaseDetail): string {
  return `${detail.split} image ${detail.index}`;
}

/** The figure of one kind over the given runs (and case). Throws naming what is missing. */
export function chartFigure(input: ChartFigureInput): ChartFigure {
  const { kind, runs } = input;
  const groups = input.groups ?? [];
  if (runs.length === 0 && groups.length === 0) throw new Error(`${kind}: choose at least one run`);
  if (groups.length > 0 && kind !== 'curves')
    throw new Error(
      `groups: only learning curves draw a seed group (as its mean with a band); name its runs to show them in a ${kind} figure`,
    );
  const ids = runIds(runs);
  let body: { config: AnyChartConfiguration; title: string; caption: string; alt: string };
  let size = { width: 640, height: 400 };
  switch (kind) {
    case 'curves':
      body = curves(runs, groups, input.metric ?? 'loss', input.log ?? false);
      break;
    case 'metrics': {
      const list = evaluated(runs, kind);
      body = {
        config: as(
          metricsChart(
            list.map((r) => ({
              label: r.label ?? `#${r.runId}`,
              colour: r.colour,
              metrics: r.metrics,
              intervals: r.intervals?.metrics,
            })),
          ),
        ),
        title: `Test-set metrics: ${ids}`,
        caption: `Test-set metrics of ${runsSentence(runs)}: accuracy and AUCs (higher is better) against the left axis, ECE (15 equal-width bins), Brier and AURC (lower is better) against the right one${intervalNote(
          list.map((r) => (r.intervals?.metrics ? r.intervals : null)),
          'bars',
        )}.`,
        alt: `Bar chart of ${COMPARED_METRICS.map((m) => m.name.replace(/ [↑↓]$/, '')).join(', ')} per run. ${list
          .map(
            (r) =>
              `${r.label ?? `#${r.runId}`}: ${COMPARED_METRICS.map((m) => `${m.name.replace(/ [↑↓]$/, '')} ${fixed(m.value(r.metrics))}`).join(', ')}.`,
          )
          .join(' ')}`,
      };
      size = { width: 760, height: 420 };
      break;
    }
    case 'reliability': {
      const list = evaluated(runs, kind);
      const only = list.length === 1 ? list[0] : undefined;
      body = {
        config: evaluationChart(kind, list),
        title: `Reliability diagram: ${ids}`,
        caption: `${only ? 'Accuracy per confidence bin (15 equal-width bins; empty bins left out)' : 'Accuracy against mean confidence per non-empty bin (15 equal-width bins)'}, with the diagonal of perfect calibration, for ${runsSentence(runs)}${intervalNote(
          list.map((r) => (r.intervals?.reliability ? r.intervals : null)),
          'bars',
        )}.`,
        alt: `Reliability diagram: accuracy against confidence from 0 to 1. ${list.map((r) => `${r.label ?? `#${r.runId}`}: ECE ${fixed(r.metrics.ece)}, accuracy ${percent(r.metrics.accuracy)}.`).join(' ')}`,
      };
      size = { width: 520, height: 460 };
      break;
    }
    case 'risk-coverage': {
      const list = evaluated(runs, kind);
      body = {
        config: evaluationChart(kind, list),
        title: `Risk–coverage: ${ids}`,
        caption: `Error rate among the most confident share of the test set (coverage), for ${runsSentence(runs)}; the area under the curve is the AURC${intervalNote(
          list.map((r) => (r.intervals?.riskCoverage ? r.intervals : null)),
          'bands',
        )}.`,
        alt: `Line chart of risk against coverage from 0 to 1. ${list.map((r) => `${r.label ?? `#${r.runId}`}: AURC ${fixed(r.metrics.aurc)}, risk at full coverage ${percent(1 - r.metrics.accuracy)}.`).join(' ')}`,
      };
      break;
    }
    case 'convergence': {
      const list = evaluated(runs, kind).filter((r) => r.metrics.convergence.length > 0);
      if (list.length === 0)
        throw new Error(`convergence: none of ${ids} is sampled (only VNN, MC-dropout and ensemble runs are)`);
      const shown = runs.filter((r) => list.some((e) => e.runId === r.run.id));
      body = {
        config: evaluationChart(kind, list),
        title: `MC convergence: ${runIds(shown)}`,
        caption: `Mean Monte Carlo standard error of the predicted class's probability against the samples per image T (log scale), for ${runsSentence(shown)}${intervalNote(
          list.map((r) => (r.intervals?.convergence ? r.intervals : null)),
          'bands',
        )}.`,
        alt: `Line chart of standard error against T. ${list
          .map((r) => {
            const last = r.metrics.convergence[r.metrics.convergence.length - 1];
            return `#${r.runId}: ${fixed(last?.standardError, 4)} at T ${last?.samples ?? 0}.`;
          })
          .join(' ')}`,
      };
      break;
    }
    case 'confusion': {
      const [first] = evaluated(runs, kind);
      const run = runs[0];
      if (!first || !run) throw new Error('confusion: choose a run');
      const classes = first.metrics.perClass.map((row) => row.name);
      body = {
        config: as(confusionChart(classes, first.metrics.confusion)),
        title: `Confusion matrix: ${runLabel(run.run)}`,
        caption: `Confusion matrix of ${runDescription(run)} on the ${first.metrics.images} test images of "${run.datasetName}": rows are the true class, columns the predicted class; accuracy ${percent(first.metrics.accuracy)}.`,
        alt: `Confusion matrix, true class by row, predicted by column. ${first.metrics.confusion
          .map(
            (row, i) =>
              `True ${classes[i] ?? i}: ${row.map((count, j) => `${count} as ${classes[j] ?? j}`).join(', ')}.`,
          )
          .join(' ')}`,
      };
      size = { width: 520, height: 460 };
      break;
    }
    case 'boxplots': {
      const detail = input.detail;
      if (!detail) throw new Error('boxplots: choose an image (--image test/17)');
      body = {
        config: as(caseBoxplotChart(detail)),
        title: `Class probabilities: ${caseName(detail)} (true ${detail.trueClass})`,
        caption: `Boxplots (Tukey: quartiles, whiskers at 1.5 IQR, outliers; ◆ the mean) of each class's sampled probability for ${caseName(detail)} of "${runs[0]?.datasetName ?? ''}" (true class ${detail.trueClass}), from ${runsSentence(runs)}; a run with one sample shows a flat box at its probability.`,
        alt: `Boxplots of the probability of ${detail.classes.join(', ')}. ${detail.runs
          .map(
            (r) =>
              `${r.runLabel} predicts ${r.predictedClass} with ${percent(r.confidence)}${r.correct ? '' : ' (wrong)'}.`,
          )
          .join(' ')}`,
      };
      size = { width: 640, height: 400 };
      break;
    }
    case 'class-boxplots': {
      const run = runs[0];
      const value = input.classBoxplots;
      if (!run || !value)
        throw new Error(
          `class-boxplots: ${run ? runLabel(run.run) : 'the run'} has no evaluation yet (run "casebook evaluate")`,
        );
      const pooled =
        value.source === 'samples'
          ? `every one of the T = ${value.samples} samples of every test image pooled (n = images × T)`
          : "over the images' mean probabilities (n = images)";
      body = {
        config: as(classBoxplotChart(value)),
        title: `Class probabilities per true class: ${runLabel(run.run)}`,
        caption: `Boxplots (Tukey: quartiles, whiskers at 1.5 IQR, outliers) of each class's probability over the test images of each true class, ${pooled}, for ${runDescription(run)} on "${run.datasetName}".`,
        alt: `Boxplots per true class of the probability of each class. ${value.groups
          .map(
            (g) =>
              `True ${g.name} (${g.images} images): ${(g.boxplots ?? []).map((box, k) => `median p(${value.classes[k] ?? k}) ${fixed(box.stats[2], 2)}`).join(', ')}.`,
          )
          .join(' ')}`,
      };
      size = { width: 720, height: 420 };
      break;
    }
    case 'map': {
      const run = runs[0];
      const map = input.map;
      if (!run || !map)
        throw new Error(
          `map: ${run ? runLabel(run.run) : 'the run'} has no embedding map yet (run "casebook map --run ${run?.run.id ?? '<id>'}")`,
        );
      const colourBy = input.colourBy ?? 'true';
      const colouring = mapColouring(map, colourBy, input.tag);
      const by =
        colourBy === 'tag'
          ? `whether tagged "${input.tag ?? ''}"`
          : colourBy === 'outcome'
            ? 'whether the prediction is right or wrong'
            : `its ${MAP_COLOUR_LABELS[colourBy]}`;
      const scale = colouring.scale
        ? ` (viridis, ${fixed(colouring.scale.min, 3)} dark to ${fixed(colouring.scale.max, 3)} light)`
        : '';
      body = {
        config: as(mapChart(map, colouring)),
        title: `Embedding map: ${runLabel(run.run)}`,
        caption: `UMAP of the features (${map.dim}-d, the layer before the classifier head) of the ${map.count.toLocaleString('en-US')} test images of "${run.datasetName}" under ${runDescription(run)}, seed ${map.seed}, ${map.neighbours} neighbours, min_dist ${map.minDist}; each point an image, coloured by ${by}${scale}. The axes have no units: only neighbourhoods mean something.`,
        alt: `Scatter plot of ${map.count} test images. ${colouring.groups
          .filter((g) => g.label !== '')
          .map((g) => `${g.label}: ${g.points.length}`)
          .join(', ')}.`,
      };
      size = { width: 700, height: 600 };
      break;
    }
  }
  const paper = input.size && input.size !== 'screen' ? paperSize(input.size, size) : null;
  return {
    kind,
    config: paper ? forPaper(body.config) : withTitle(body.config, body.title),
    ...(paper ?? size),
    title: body.title,
    caption: input.text?.caption?.trim() || body.caption,
    alt: input.text?.alt?.trim() || body.alt,
  };
}
