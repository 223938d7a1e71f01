/**
 * The embedding map's colours and its chart: one definition of which points get which colour
 * (by true class, predicted class, right/wrong, mutual information, background share or a tag),
 * read by the screen's canvas and by the exported chart.js scatter alike.
 */
import { MAP_COLOUR_BY, type MapColourBy, type RunMap } from '../contract';
import { colormap } from '../heatmap';
import { COMMON_OPTIONS, linearAxis } from './style';

export { MAP_COLOUR_BY, type MapColourBy };
export const MAP_COLOUR_LABELS: Record<MapColourBy, string> = {
  true: 'true class',
  predicted: 'predicted class',
  outcome: 'right / wrong',
  mi: 'mutual information',
  background: 'background share',
  tag: 'tag',
};

/** Ten distinct class colours (Tableau 10), then again in turn. */
export const CLASS_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;
export const classColour = (k: number): string => CLASS_COLOURS[k % CLASS_COLOURS.length] ?? CLASS_COLOURS[0];
const MISSING = '#c8c8c8';

/** A legend entry and its points (indices into the map's arrays), drawn in order (later on top). */
export interface MapGroup {
  label: string;
  colour: string;
  points: number[];
}

/** How a map is coloured: discrete groups, or a colour scale (mi, background) with its range. */
export interface MapColouring {
  colourBy: MapColourBy;
  groups: MapGroup[];
  /** For a scale: the values' range, the colormap's stops shown by the legend. */
  scale: { min: number; max: number; label: string } | null;
}

/** Bins of a colour scale: few enough to draw group by group, many enough to read as a gradient. */
const SCALE_BINS = 16;

const hex = ([r, g, b]: [number, number, number]) =>
  `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;

/** The groups of points of a map coloured by one field (`tag`: the tag for `colourBy: 'tag'`). */
export function mapColouring(map: RunMap, colourBy: MapColourBy, tag?: string): MapColouring {
  const n = map.index.length;
  const all = Array.from({ length: n }, (_, i) => i);
  const byClass = (values: readonly (number | null)[], missing: string): MapGroup[] => {
    const groups = map.classes.map((name, k) => ({ label: name, colour: classColour(k), points: [] as number[] }));
    const none: MapGroup = { label: missing, colour: MISSING, points: [] };
    for (const i of all) {
      const k = values[i];
      (k === null || k === undefined || k < 0 ? none : (groups[k] ?? none)).points.push(i);
    }
    return [none, ...groups].filter((g) => g.points.length > 0);
  };
  switch (colourBy) {
    case 'true':
      return { colourBy, groups: byClass(map.label, 'unknown'), scale: null };
    case 'predicted':
      return { colourBy, groups: byClass(map.predicted, 'not evaluated'), scale: null };
    case 'outcome': {
      const right: MapGroup = { label: 'right', colour: '#9cc5e0', points: [] };
      const wrong: MapGroup = { label: 'wrong', colour: '#d62728', points: [] };
      const none: MapGroup = { label: 'not evaluated', colour: MISSING, points: [] };
      for (const i of all) {
        const p = map.predicted[i];
        (p === null || p === undefined ? none : p === map.label[i] ? right : wrong).points.push(i);
      }
      return { colourBy, groups: [none, right, wrong].filter((g) => g.points.length > 0), scale: null };
    }
    case 'tag': {
      const chosen = new Set(tag === undefined ? [] : (map.tags[tag] ?? []));
      const other: MapGroup = { label: 'other images', colour: '#cfd8e3', points: [] };
      const tagged: MapGroup = {
        label: tag === undefined ? 'tagged' : `tagged "${tag}"`,
        colour: '#d62728',
        points: [],
      };
      for (const i of all) (chosen.has(map.index[i] ?? i) ? tagged : other).points.push(i);
      return { colourBy, groups: [other, tagged].filter((g) => g.points.length > 0), scale: null };
    }
    case 'mi':
    case 'background': {
      const values = colourBy === 'mi' ? map.mutualInformation : map.background;
      const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
      const none: MapGroup = {
        label: colourBy === 'mi' ? 'no samples (deterministic)' : 'not explained',
        colour: MISSING,
        points: [],
      };
      if (known.length === 0) return { colourBy, groups: [{ ...none, points: all }], scale: null };
      const min = Math.min(...known);
      const max = Math.max(...known);
      const bins: MapGroup[] = Array.from({ length: SCALE_BINS }, (_, b) => {
        const lo = min + ((max - min) * b) / SCALE_BINS;
        return { label: lo.toPrecision(2), colour: hex(colormap('viridis', (b + 0.5) / SCALE_BINS)), points: [] };
      });
      for (const i of all) {
        const v = values[i];
        if (v === null || v === undefined || !Number.isFinite(v)) none.points.push(i);
        else bins[Math.min(SCALE_BINS - 1, Math.floor(((v - min) / (max - min || 1)) * SCALE_BINS))]?.points.push(i);
      }
      return {
        colourBy,
        groups: [none, ...bins].filter((g) => g.points.length > 0),
        scale: { min, max, label: MAP_COLOUR_LABELS[colourBy] },
      };
    }
  }
}

/** The map as a chart.js scatter: a data set per group, the legend naming classes (a scale: its ends). */
export function mapChart(map: RunMap, colouring: MapColouring) {
  const radius = map.index.length > 3000 ? 1.4 : 2.2;
  const scale = colouring.scale;
  const binned = colouring.groups.map((g) => g.colour !== MISSING);
  const firstBin = binned.indexOf(true);
  const lastBin = binned.lastIndexOf(true);
  // a scale's legend names its two ends (and the images without a value); a class its count
  const label = (group: MapGroup, g: number): string =>
    scale === null || !binned[g]
      ? `${group.label} (${group.points.length})`
      : g === firstBin
        ? `${scale.label} ${scale.min.toPrecision(2)} (low)`
        : g === lastBin
          ? `${scale.label} ${scale.max.toPrecision(2)} (high)`
          : '';
  return {
    type: 'scatter' as const,
    data: {
      datasets: colouring.groups.map((group, g) => ({
        label: label(group, g),
        data: group.points.map((i) => ({ x: map.x[i] ?? 0, y: map.y[i] ?? 0 })),
        backgroundColor: group.colour,
        borderColor: group.colour,
        borderWidth: 0,
        pointRadius: radius,
        pointHoverRadius: radius,
      })),
    },
    options: {
      ...COMMON_OPTIONS,
      scales: {
        // a margin so that the points at the map's edges are drawn whole
        x: { ...linearAxis('UMAP 1', -0.03, 1.03), ticks: { display: false }, grid: { display: false } },
        y: { ...linearAxis('UMAP 2', -0.03, 1.03), ticks: { display: false }, grid: { display: false } },
      },
      plugins: {
        legend: {
          position: 'right' as const,
          labels: { usePointStyle: true, boxHeight: 7, filter: (item: { text: string }) => item.text !== '' },
        },
        tooltip: { enabled: false },
      },
    },
  };
}
