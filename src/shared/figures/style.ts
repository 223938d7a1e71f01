/**
 * Colours and the options every figure shares, for the screen and for export alike (no Node, no
 * DOM here).
 */

/** The series colours of a single run's charts: training, validation, and reference lines. */
export const SERIES_COLOURS = { train: '#2563eb', validation: '#d97706', reference: '#9aa0a6' } as const;

/**
 * One colour per compared run, in the order the runs are listed, the same in every chart and
 * table (Okabe–Ito's colour-blind-safe palette, darkest first).
 */
export const RUN_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'] as const;
export const runColour = (position: number): string => RUN_COLOURS[position % RUN_COLOURS.length] ?? '#000000';

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
