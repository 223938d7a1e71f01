/**
 * Intervals drawn over a figure's values: error bars on bars and points, bands along lines. A
 * figure takes them as an optional input, one `{lo, hi}` per value (null where there is none), and
 * draws them with an inline plugin, so they render wherever chart.js does (the page's canvas,
 * Node's canvas, the SVG context). Where the intervals come from (a bootstrap over test images,
 * seeds) is the caller's; the caption says what they are.
 */
import type { Plugin } from 'chart.js';
import type { DrawContext } from './matrix';

/** A value's interval, in the value's units. */
export interface Interval {
  lo: number;
  hi: number;
}

/** The metrics of the metric comparison (see metrics.ts). */
export type ComparedMetricKey = 'accuracy' | 'aucHandTill' | 'aucSeedStyle' | 'ece' | 'brier' | 'aurc';

/** A recorded epoch's intervals (e.g. over the seeds of a group). */
export interface EpochIntervals {
  loss?: Interval | null | undefined;
  valLoss?: Interval | null | undefined;
  accuracy?: Interval | null | undefined;
  valAccuracy?: Interval | null | undefined;
}

/**
 * A run's intervals, each optional, aligned with the values it qualifies: per metric of the
 * comparison; per bin of `RunMetrics.reliability`; per point of `riskCoverage` and
 * `convergence`; per recorded epoch. `level` and `method` name them in the caption.
 */
export interface RunIntervals {
  level?: number | undefined;
  method?: string | undefined;
  metrics?: Partial<Record<ComparedMetricKey, Interval | null>> | undefined;
  reliability?: readonly (Interval | null)[] | undefined;
  riskCoverage?: readonly (Interval | null)[] | undefined;
  convergence?: readonly (Interval | null)[] | undefined;
  epochs?: readonly (EpochIntervals | null)[] | undefined;
}

/** What the intervals are, for the caption: "95 % confidence intervals (bootstrap over test images)". */
export interface IntervalSource {
  /** The coverage, e.g. 0.95 (default). */
  level?: number | undefined;
  /** How they were computed, e.g. "bootstrap over 3,000 test images, B = 2,000". */
  method?: string | undefined;
}

/** One data set's intervals, by the index of its values; how to draw them. */
export interface DatasetIntervals {
  datasetIndex: number;
  intervals: readonly (Interval | null | undefined)[];
  style: 'bars' | 'band';
  colour: string;
}

interface IntervalContext extends DrawContext {
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  closePath(): void;
  fill(): void;
  stroke(): void;
  setLineDash(segments: number[]): void;
  globalAlpha: number;
}

interface IntervalScale {
  getPixelForValue(value: number): number;
}

interface IntervalElement {
  x: number;
  width?: number;
}

interface IntervalChart {
  ctx: unknown;
  scales: Record<string, IntervalScale | undefined>;
  isDatasetVisible(index: number): boolean;
  getDatasetMeta(index: number): { yAxisID?: string; data: readonly IntervalElement[] };
}

/** A usable interval: finite, lo ≤ hi. */
export const validInterval = (interval: Interval | null | undefined): interval is Interval =>
  interval !== null &&
  interval !== undefined &&
  Number.isFinite(interval.lo) &&
  Number.isFinite(interval.hi) &&
  interval.lo <= interval.hi;

/** Whether any of the data sets has an interval to draw. */
export const hasIntervals = (sets: readonly DatasetIntervals[]): boolean =>
  sets.some((set) => set.intervals.some(validInterval));

/** "95 % confidence intervals (bootstrap over test images)". */
export function intervalWords(source: IntervalSource = {}): string {
  const level = Math.round((source.level ?? 0.95) * 1000) / 10;
  return `${level} % confidence intervals${source.method ? ` (${source.method})` : ''}`;
}

/**
 * The plugin: bands are drawn under the data sets (the line stays on top), error bars over them
 * (a vertical line from lo to hi with short caps, at each bar's or point's x).
 */
export function intervalsPlugin(sets: readonly DatasetIntervals[]): Plugin {
  const draw = (chart: IntervalChart, style: DatasetIntervals['style']) => {
    const ctx = chart.ctx as IntervalContext;
    for (const set of sets) {
      if (set.style !== style || !chart.isDatasetVisible(set.datasetIndex)) continue;
      const meta = chart.getDatasetMeta(set.datasetIndex);
      const y = chart.scales[meta.yAxisID ?? 'y'];
      if (!y) continue;
      const points = meta.data.flatMap((element, j) => {
        const interval = set.intervals[j];
        return validInterval(interval) && Number.isFinite(element.x)
          ? [
              {
                x: element.x,
                lo: y.getPixelForValue(interval.lo),
                hi: y.getPixelForValue(interval.hi),
                width: element.width,
              },
            ]
          : [];
      });
      if (points.length === 0) continue;
      ctx.save();
      ctx.setLineDash([]);
      if (style === 'band') {
        // one band per run of consecutive points
        ctx.fillStyle = set.colour;
        ctx.globalAlpha = 0.18;
        ctx.beginPath();
        points.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.hi) : ctx.lineTo(p.x, p.hi)));
        for (let i = points.length - 1; i >= 0; i--) {
          const p = points[i];
          if (p) ctx.lineTo(p.x, p.lo);
        }
        ctx.closePath();
        ctx.fill();
      } else {
        ctx.strokeStyle = set.colour;
        ctx.lineWidth = 1.2;
        for (const p of points) {
          const cap = Math.min(8, Math.max(3, (p.width ?? 8) * 0.35)) / 2;
          ctx.beginPath();
          ctx.moveTo(p.x, p.lo);
          ctx.lineTo(p.x, p.hi);
          ctx.moveTo(p.x - cap, p.lo);
          ctx.lineTo(p.x + cap, p.lo);
          ctx.moveTo(p.x - cap, p.hi);
          ctx.lineTo(p.x + cap, p.hi);
          ctx.stroke();
        }
      }
      ctx.restore();
    }
  };
  return {
    id: 'intervals',
    beforeDatasetsDraw: (chart) => draw(chart as unknown as IntervalChart, 'band'),
    afterDatasetsDraw: (chart) => draw(chart as unknown as IntervalChart, 'bars'),
  };
}
