/**
 * Colours and the options every figure shares, for the screen and for export alike (no Node, no
 * DOM here).
 */
import { RUN_PALETTE, type RunSummary } from '../contract';

/** The series colours of a single run's charts: training, validation, and reference lines. */
export const SERIES_COLOURS = { train: '#2563eb', validation: '#d97706', reference: '#9aa0a6' } as const;

/**
 * The one place a run's colour is read: the colour stored with it, pinned when it was created
 * (never its position in a list), the same on every screen and in every figure.
 */
export const runColour = (run: Pick<RunSummary, 'colour'>): string => run.colour;

/** The palette's k-th colour in turn, for series that are not runs (a class in a boxplot). */
export const paletteColour = (k: number): string => RUN_PALETTE[k % RUN_PALETTE.length] ?? RUN_PALETTE[0];

/** A point of a line or bar chart; y is null where there is nothing to draw. */
export type Point = { x: number; y: number | null };

/** What every chart configuration starts from: no animation, data already parsed. */
export const COMMON_OPTIONS = {
  animation: false as const,
  responsive: true,
  maintainAspectRatio: false,
  parsing: false as const,
  normalized: true,
};

export const linearAxis = (text: string, min?: number, max?: number) => ({
  type: 'linear' as const,
  title: { display: true, text },
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});

/** What a legend reads of a data set (a structural type: shared code needs no chart.js runtime). */
interface LegendDataset {
  label?: string;
  type?: string;
  borderColor?: unknown;
  backgroundColor?: unknown;
  borderDash?: unknown;
  borderWidth?: unknown;
}

interface LegendChart {
  data: { datasets: readonly LegendDataset[] };
  getDatasetMeta(index: number): { type: string };
  isDatasetVisible(index: number): boolean;
}

const colourOf = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

/**
 * Legend labels that look like what they name: a short line (dashed where the series is) for a
 * line series, a filled box for bars and boxes. chart.js draws every entry as a box by default, so
 * a dashed reference line read as a grey square; `filter` leaves entries out (faint raw curves).
 */
export function legendLabels(filter?: (item: { text: string; datasetIndex?: number }) => boolean) {
  return {
    usePointStyle: true,
    pointStyleWidth: 24,
    boxHeight: 9,
    ...(filter ? { filter } : {}),
    generateLabels: (chart: LegendChart) =>
      chart.data.datasets.map((dataset, datasetIndex) => {
        const type = chart.getDatasetMeta(datasetIndex).type;
        const stroke = colourOf(dataset.borderColor, '#666666');
        const line = type === 'line' || type === 'scatter';
        return {
          text: dataset.label ?? '',
          datasetIndex,
          hidden: !chart.isDatasetVisible(datasetIndex),
          pointStyle: line ? ('line' as const) : ('rect' as const),
          strokeStyle: stroke,
          fillStyle: colourOf(dataset.backgroundColor, stroke),
          lineWidth: line ? Math.max(1.5, typeof dataset.borderWidth === 'number' ? dataset.borderWidth : 2) : 1,
          lineDash: line && Array.isArray(dataset.borderDash) ? (dataset.borderDash as number[]) : [],
        };
      }),
  };
}
