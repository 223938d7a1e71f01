import { describe, expect, it } from 'vitest';
import {
  formatRegion,
  parseCaseQuery,
  formatCaseQuery,
  DEFAULT_CASE_QUERY,
  parseRegion,
  roundedRegion,
} from '../../src/renderer/src/lib/case-query';
import { fitViewport, PointGrid, thinPath, toMap, toScreen, zoomAt, panBy } from '../../src/renderer/src/lib/map-view';
import { formatRoute, parseRoute } from '../../src/renderer/src/lib/route';
import { boxPolygon, pointsInPolygon } from '../../src/shared/map-region';

describe('the map view', () => {
  it('fits the unit square, and zooming keeps the point under the cursor in place', () => {
    const fit = fitViewport(600, 400, 20);
    expect(toScreen(fit, 0, 1)).toEqual([120, 20]);
    expect(toScreen(fit, 1, 0)).toEqual([480, 380]);
    const [mx, my] = toMap(fit, 250, 130);
    const zoomed = zoomAt(fit, fit, 4, 250, 130);
    expect(zoomed.scale).toBe(fit.scale * 4);
    const [sx, sy] = toScreen(zoomed, mx, my);
    expect(sx).toBeCloseTo(250, 9);
    expect(sy).toBeCloseTo(130, 9);
    // bounded: no zooming out to nothing
    expect(zoomAt(fit, fit, 1e-6, 0, 0).scale).toBe(fit.scale * 0.5);
    const panned = panBy(fit, 10, -5);
    expect(toScreen(panned, 0, 1)).toEqual([130, 15]);
  });

  it('finds the nearest point within a radius, and none beyond it', () => {
    const x = [0.1, 0.5, 0.52, 0.9];
    const y = [0.1, 0.5, 0.5, 0.9];
    const grid = new PointGrid(x, y, 8);
    expect(grid.nearest(0.515, 0.5, 0.05)).toBe(2);
    expect(grid.nearest(0.49, 0.5, 0.05)).toBe(1);
    expect(grid.nearest(0.3, 0.3, 0.05)).toBeNull();
    expect(grid.nearest(0.89, 0.91, 0.02)).toBe(3);
  });

  it('selects the points inside a box or a lasso', () => {
    const coords = [0.1, 0.1, 0.4, 0.4, 0.6, 0.6, 0.45, 0.1];
    expect(pointsInPolygon(coords, boxPolygon(0.5, 0.5, 0, 0))).toEqual([0, 1, 3]);
    // a triangle leaves out the points above its slanted side, inside its bounding box
    expect(
      pointsInPolygon(coords, [
        [0, 0],
        [0.5, 0],
        [0.5, 0.45],
      ]),
    ).toEqual([3]);
    expect(
      thinPath(
        Array.from({ length: 1000 }, (_, i) => [i / 1000, 0] as [number, number]),
        100,
      ),
    ).toHaveLength(100);
  });

  it('puts a selection in the address and reads it back', () => {
    const region = { runId: 3, polygon: boxPolygon(0.123456, 0.2, 0.5, 0.75) };
    const text = formatRegion(region);
    expect(text).toBe('3_0.1235_0.2_0.5_0.2_0.5_0.75_0.1235_0.75');
    expect(parseRegion(text)).toEqual({
      runId: 3,
      polygon: [
        [0.1235, 0.2],
        [0.5, 0.2],
        [0.5, 0.75],
        [0.1235, 0.75],
      ],
    });
    for (const bad of [
      '3_0.1_0.2_0.5_0.2',
      '0_0_0_1_0_1_1',
      '3_0.1_0.2_200_0.2_0.5_0.5',
      '3_a_b_0_0_1_1',
      '3_0_0_1_0_1',
    ])
      expect(parseRegion(bad)).toBeNull();
    const query = { ...DEFAULT_CASE_QUERY, outcome: 'wrong' as const, region: parseRegion(text) };
    expect(parseCaseQuery(formatCaseQuery(query))).toEqual(query);
    const hash = formatRoute({ view: 'gallery', runIds: [3], query });
    expect(hash).toBe('#/gallery?runs=3&outcome=wrong&region=3_0.1235_0.2_0.5_0.2_0.5_0.75_0.1235_0.75');
    expect(parseRoute(hash)).toEqual({ view: 'gallery', runIds: [3], query });
  });

  it('keeps a selection that reaches past the map as it is: the same points on the map and in the gallery', () => {
    // a lasso around a corner of the map, partly outside [0, 1]²
    const lasso = {
      runId: 2,
      polygon: [
        [-0.3, -0.2],
        [0.41234567, -0.25],
        [0.3, 0.35],
        [-0.1, 0.3],
      ] as [number, number][],
    };
    const coords = [0, 0, 0.05, 0.3, 0.38, 0.02, 0.3, 0.3, 0.5, 0.5];
    const rounded = roundedRegion(lasso);
    expect(rounded.polygon[1]).toEqual([0.4123, -0.25]);
    const written = parseRegion(formatRegion(rounded));
    expect(written).toEqual(rounded);
    expect(pointsInPolygon(coords, written!.polygon)).toEqual(pointsInPolygon(coords, rounded.polygon));
    expect(pointsInPolygon(coords, rounded.polygon)).toEqual([0, 1, 3]);
  });

  it('has an address per run and colouring', () => {
    expect(parseRoute('#/map/4')).toEqual({ view: 'map', runId: 4, colourBy: 'true', tag: null });
    const route = { view: 'map' as const, runId: 4, colourBy: 'tag' as const, tag: 'background bias' };
    expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(parseRoute('#/map/4?colour=nonsense')).toMatchObject({ colourBy: 'true' });
    expect(parseRoute('#/map/x').view).toBe('unknown');
  });
});
