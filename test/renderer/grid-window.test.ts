import { describe, expect, it } from 'vitest';
import { columnsFor, gridWindow, moveFocus, scrollToShow } from '../../src/renderer/src/lib/grid-window';

describe('grid window', () => {
  it('fits columns and renders only the rows on screen plus overscan', () => {
    expect(columnsFor(1000, 160, 8)).toBe(6);
    expect(columnsFor(990, 160, 8)).toBe(5);
    expect(columnsFor(100, 160, 8)).toBe(1);
    const g = { count: 3000, width: 990, tileWidth: 160, rowHeight: 232, gap: 8 };
    const top = gridWindow(g, 0, 800, 2);
    expect(top).toMatchObject({ columns: 5, rows: 600, firstRow: 0, lastRow: 5, from: 0, to: 30 });
    expect(top.height).toBe(600 * 240 - 8);
    const middle = gridWindow(g, 240 * 100, 800, 2);
    expect(middle).toMatchObject({ firstRow: 98, lastRow: 105, from: 490, to: 530 });
    const end = gridWindow(g, top.height - 800, 800, 2);
    expect(end.lastRow).toBe(599);
    expect(end.to).toBe(3000);
    expect(gridWindow({ ...g, count: 0 }, 0, 800)).toMatchObject({ rows: 0, from: 0, to: 0, height: 0 });
  });

  it('scrolls a tile into view only as far as needed', () => {
    expect(scrollToShow(0, 5, 232, 8, 1000, 800)).toBe(0);
    expect(scrollToShow(25, 5, 232, 8, 0, 800)).toBe(5 * 240 + 232 - 800);
    expect(scrollToShow(10, 5, 232, 8, 300, 800)).toBe(300);
  });

  it('moves the focus with arrows, clamped to the list', () => {
    expect(moveFocus(0, 'ArrowRight', 5, 12)).toBe(1);
    expect(moveFocus(0, 'ArrowLeft', 5, 12)).toBe(0);
    expect(moveFocus(3, 'ArrowDown', 5, 12)).toBe(8);
    expect(moveFocus(8, 'ArrowDown', 5, 12)).toBe(8);
    expect(moveFocus(8, 'ArrowUp', 5, 12)).toBe(3);
    expect(moveFocus(4, 'End', 5, 12)).toBe(11);
    expect(moveFocus(4, 'Home', 5, 12)).toBe(0);
    expect(moveFocus(0, 'ArrowRight', 5, 0)).toBe(0);
  });
});
