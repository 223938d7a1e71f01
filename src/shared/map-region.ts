/** Which points of a map lie in a region (a box or a lasso, as a polygon): shared by the gallery's filter and the map view. */

/** Whether (x, y) lies inside the polygon (even-odd rule; a point on an edge may fall either way). */
export function insidePolygon(x: number, y: number, polygon: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] ?? [0, 0];
    const [xj, yj] = polygon[j] ?? [0, 0];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The indices of the points (x, y interleaved) inside the polygon, ascending. */
export function pointsInPolygon(coords: ArrayLike<number>, polygon: readonly (readonly [number, number])[]): number[] {
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (const [x, y] of polygon) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const inside: number[] = [];
  for (let i = 0; 2 * i < coords.length; i++) {
    const x = coords[2 * i] ?? 0;
    const y = coords[2 * i + 1] ?? 0;
    if (x < minX || x > maxX || y < minY || y > maxY) continue;
    if (insidePolygon(x, y, polygon)) inside.push(i);
  }
  return inside;
}

/** A box as the polygon of its four corners. */
export function boxPolygon(x0: number, y0: number, x1: number, y1: number): [number, number][] {
  const [left, right] = x0 < x1 ? [x0, x1] : [x1, x0];
  const [bottom, top] = y0 < y1 ? [y0, y1] : [y1, y0];
  return [
    [left, bottom],
    [right, bottom],
    [right, top],
    [left, top],
  ];
}
