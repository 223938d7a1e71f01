/**
 * Logarithmic axes with labels a reader can use: chart.js's own log ticks are labelled only where
 * their mantissa is 1, 2, 3, 5 or 15, and its auto-skip then drops most of those on a small chart,
 * so a loss between 0.15 and 1.9 read "0.2 … 1" (or one label) on a column-wide figure. Here the
 * axis gets its ticks from `logTicks` and labels every one of them.
 */

/** The tick values of a log axis from min to max: powers of ten, else 1-2-5, 1-2-3-5-7 or 1…9 steps, whichever first gives ≥ 3. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return [];
  const first = Math.floor(Math.log10(min));
  const last = Math.ceil(Math.log10(max));
  const within = (value: number) => value >= min * (1 - 1e-9) && value <= max * (1 + 1e-9);
  for (const mantissas of [[1], [1, 2, 5], [1, 2, 3, 5, 7], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: number[] = [];
    for (let e = first; e <= last; e++)
      for (const m of mantissas) {
        const value = Number((m * 10 ** e).toPrecision(6));
        if (within(value)) ticks.push(value);
      }
    if (ticks.length >= 3) return ticks;
  }
  // less than a 1…9 step apart (0.41 to 0.48): evenly spaced round values
  const step = 10 ** Math.floor(Math.log10((max - min) / 2));
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max * (1 + 1e-9); value += step)
    ticks.push(Number(value.toPrecision(6)));
  return ticks.length > 0 ? ticks : [min, max];
}

/** A tick value as a reader writes it: 0.05, 0.2, 1, 20, 1000. */
export const tickLabel = (value: number | string): string => String(Number(Number(value).toPrecision(6)));

interface TickedAxis {
  min: number;
  max: number;
  ticks: { value: number }[];
}

/** A chart.js logarithmic axis whose ticks are `logTicks` of its range, every one labelled. */
export function logAxis(text: string) {
  return {
    type: 'logarithmic' as const,
    title: { display: true, text },
    afterBuildTicks: (axis: TickedAxis) => {
      axis.ticks = logTicks(axis.min, axis.max).map((value) => ({ value }));
    },
    ticks: { autoSkip: false, callback: (value: string | number) => tickLabel(value) },
  };
}
