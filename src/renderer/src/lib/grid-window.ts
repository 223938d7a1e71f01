/**
 * The arithmetic of a virtualised grid of equal tiles: how many columns fit, which rows are on
 * screen (plus some overscan), and where the scroll must go to show a tile. Pure; the gallery
 * renders only the rows it is told to, absolutely positioned inside a spacer of the full height.
 */

export interface GridGeometry {
  /** Tiles in all. */
  count: number;
  /** Width available for tiles (px). */
  width: number;
  tileWidth: number;
  rowHeight: number;
  gap: number;
}

/** Columns that fit in the width (at least one). */
export function columnsFor(width: number, tileWidth: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (tileWidth + gap)));
}

export interface GridWindow {
  columns: number;
  rows: number;
  /** Height of all rows (px). */
  height: number;
  /** First and last row to render (inclusive); last < first when there is nothing. */
  firstRow: number;
  lastRow: number;
  /** Tile indices [from, to) of the rendered rows. */
  from: number;
  to: number;
}

/** The rows visible in [scrollTop, scrollTop + viewport), `overscan` rows more on each side. */
export function gridWindow(geometry: GridGeometry, scrollTop: number, viewport: number, overscan = 2): GridWindow {
  const columns = columnsFor(geometry.width, geometry.tileWidth, geometry.gap);
  const rows = Math.ceil(geometry.count / columns);
  const stride = geometry.rowHeight + geometry.gap;
  const height = Math.max(0, rows * stride - geometry.gap);
  const firstRow = Math.max(0, Math.floor(scrollTop / stride) - overscan);
  const lastRow = Math.min(rows - 1, Math.floor((scrollTop + Math.max(0, viewport)) / stride) + overscan);
  return {
    columns,
    rows,
    height,
    firstRow,
    lastRow,
    from: Math.min(geometry.count, firstRow * columns),
    to: Math.min(geometry.count, (lastRow + 1) * columns),
  };
}

/** The scrollTop that shows the row of tile `index` whole, moving as little as possible (unchanged if it is). */
export function scrollToShow(
  index: number,
  columns: number,
  rowHeight: number,
  gap: number,
  scrollTop: number,
  viewport: number,
): number {
  const top = Math.floor(index / columns) * (rowHeight + gap);
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return Math.max(0, top + rowHeight - viewport);
  return scrollTop;
}

/** The tile an arrow key moves to from `index` (clamped to the list). */
export function moveFocus(index: number, key: string, columns: number, count: number): number {
  if (count === 0) return 0;
  const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns };
  const next = index + (step[key] ?? 0);
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return next < 0 || next >= count ? Math.min(Math.max(index, 0), count - 1) : next;
}
