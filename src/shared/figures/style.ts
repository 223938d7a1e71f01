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
