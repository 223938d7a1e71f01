/**
 * The case panel: one image across runs, for a write-up. The image, each run's Grad-CAM of its
 * predicted class blended over it (with a colorbar), the per-class boxplots, the finder's reasons,
 * the tags and the note. Pure: the layout and the words; Node draws it.
 */
import type { CaseDetail } from '../contract';
import { DEFAULT_OVERLAY, type OverlayOptions } from '../heatmap';
import { caseBoxplotChart } from './boxplots';
import { percent, runsSentence, sentence } from './caption';
import { withTitle } from './figures';
import type { AnyChartConfiguration, FigureRun, FigureText } from './types';

export interface PanelTile {
  /** "image (true deer)" or "CNN #1 → frog 87 %". */
  label: string;
  /** Row-major map at mapShape, values in [0, 1]; null for the plain image. */
  map: readonly number[] | null;
  mapShape: readonly [number, number] | null;
  /** Whether this run got the image wrong (the label is drawn in red). */
  wrong: boolean;
}

export interface CasePanel {
  kind: 'case';
  width: number;
  height: number;
  title: string;
  caption: string;
  alt: string;
  /** HWC uint8 pixels and [height, width, channels]. */
  image: { pixels: Uint8Array; shape: readonly [number, number, number] };
  overlay: OverlayOptions;
  tiles: PanelTile[];
  /** The boxplot chart drawn in the panel's lower left. */
  boxplots: AnyChartConfiguration;
  reasons: string[];
  tags: string[];
  note: string;
}

/** Where things go, in CSS pixels at scale 1. */
export const PANEL_LAYOUT = {
  width: 1000,
  margin: 20,
  titleHeight: 34,
  tile: 176,
  tileGap: 14,
  labelHeight: 34,
  colorbarWidth: 14,
  chartWidth: 540,
  chartHeight: 330,
  textGap: 24,
} as const;

export function panelHeight(): number {
  const l = PANEL_LAYOUT;
  return l.margin + l.titleHeight + l.tile + l.labelHeight + l.textGap + l.chartHeight + l.margin;
}

export interface CasePanelInput {
  detail: CaseDetail;
  runs: readonly FigureRun[];
  image: CasePanel['image'];
  text?: FigureText | undefined;
  /**
   * Whether the caption and alt text repeat the note (default yes); a report that quotes the note
   * right after the figure says no, so the note is written once.
   */
  noteInText?: boolean | undefined;
  /** The overlay as the screen shows it (default: the seed's, viridis at 35 %). */
  overlay?: OverlayOptions | undefined;
}

export function casePanel({
  detail,
  runs,
  image,
  text,
  noteInText = true,
  overlay = DEFAULT_OVERLAY,
}: CasePanelInput): CasePanel {
  const name = `${detail.split} image ${detail.index}`;
  const datasetName = runs[0]?.datasetName ?? '';
  const title = `${name} of "${datasetName}": true ${detail.trueClass}`;
  const tiles: PanelTile[] = [
    { label: `image (true ${detail.trueClass})`, map: null, mapShape: null, wrong: false },
    ...detail.runs.map((r) => ({
      label: `${r.runLabel} → ${r.predictedClass} ${percent(r.confidence)}`,
      map: r.maps?.map ?? null,
      mapShape: r.maps?.mapShape ?? null,
      wrong: !r.correct,
    })),
  ];
  const reasons = [...new Set(detail.reasons.map((entry) => entry.reason))];
  const predictions = detail.runs.map(
    (r) =>
      `${r.runLabel} predicts ${r.predictedClass} with ${percent(r.confidence)} confidence${r.correct ? '' : ' (wrong)'}${r.background === null ? '' : `, ${percent(r.background)} of its map in the border`}`,
  );
  const method = detail.runs.find((r) => r.maps)?.maps?.method === 'gradcampp' ? 'Grad-CAM++' : 'Grad-CAM';
  const captionParts = [
    `${sentence(`${name} of "${datasetName}" (true class ${detail.trueClass})${detail.tags.length > 0 ? `, tagged ${detail.tags.join(', ')}` : ''}`)}`,
    `${method} of each run's predicted class blended over the image at ${Math.round(overlay.opacity * 100)} % (${overlay.colormap}); boxplots of the sampled class probabilities.`,
    sentence(`Runs: ${runsSentence(runs)}`),
  ];
  const hasNote = detail.note.trim().length > 0;
  if (hasNote && noteInText) captionParts.push(`Note: ${detail.note.trim()}`);
  const alt = [
    `${sentence(`${name}, a ${detail.trueClass}`)}`,
    ...predictions.map(sentence),
    ...reasons.map(sentence),
    hasNote ? (noteInText ? `Note: ${detail.note.trim()}` : 'Its note is quoted below the figure.') : '',
  ]
    .filter((s) => s.length > 0)
    .join(' ');
  return {
    kind: 'case',
    width: PANEL_LAYOUT.width,
    height: panelHeight(),
    title,
    caption: text?.caption?.trim() || captionParts.join(' '),
    alt: text?.alt?.trim() || alt,
    image,
    overlay,
    tiles,
    boxplots: withTitle(
      caseBoxplotChart(detail) as unknown as AnyChartConfiguration,
      'class probabilities over the samples',
    ),
    reasons,
    tags: [...detail.tags],
    note: detail.note,
  };
}
