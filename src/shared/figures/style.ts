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
