/**
 * The confusion matrix as a chart.js chart: category axes (predicted across, true down) and an
 * inline plugin that draws the shaded cells and their counts, so it renders wherever chart.js
 * does (the page's canvas, Node's canvas, the SVG context).
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import { COMMON_OPTIONS } from './style';

export type MatrixConfiguration = ChartConfiguration<'scatter', { x: number; y: number }[]>;

/**
 * The few drawing calls the figures make themselves (the matrix's cells, Node's case panel): a
 * structural type, so shared code needs no DOM types.
 */
export interface DrawContext {
  save(): void;
  restore(): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  font: string;
  textAlign: string;
  textBaseline: string;
}

interface CellScale {
  getPixelForValue(value: number): number;
}

interface CellChart {
  ctx: unknown;
  chartArea: { left: number; right: number; top: number; bottom: number };
  scales: Record<string, CellScale | undefined>;
}

/** The accent (the app's `--accent`) at an opacity growing with the count. */
export const cellShade = (share: number): string =>
  `rgba(37, 99, 235, ${Math.max(0, Math.min(1, share * 0.85)).toFixed(3)})`;

function cellsPlugin(confusion: readonly (readonly number[])[]): Plugin<'scatter'> {
  const k = confusion.length;
  const largest = Math.max(1, ...confusion.flat());
  return {
    id: 'confusionCells',
    afterDatasetsDraw(chart) {
      const { chartArea, scales } = chart as unknown as CellChart;
      const ctx = (chart as unknown as CellChart).ctx as DrawContext;
      const x = scales.x;
      const y = scales.y;
      if (!x || !y || k === 0) return;
      const w = (chartArea.right - chartArea.left) / k;
      const h = (chartArea.bottom - chartArea.top) / k;
      // never under the figure's text size, so a paper size's counts are at least its points
      const size = Math.max(12, Math.min(18, Math.round(Math.min(w, h) / 4)));
      ctx.save();
      confusion.forEach((row, i) =>
        row.forEach((count, j) => {
          const cx = x.getPixelForValue(j);
          const cy = y.getPixelForValue(i);
          const share = count / largest;
          ctx.fillStyle = cellShade(share);
          ctx.fillRect(cx - w / 2, cy - h / 2, w, h);
          ctx.strokeStyle = '#d0d4da';
          ctx.lineWidth = 1;
          ctx.strokeRect(cx - w / 2, cy - h / 2, w, h);
          ctx.fillStyle = share > 0.55 ? '#ffffff' : '#1f2328';
          ctx.font = `${i === j ? '600 ' : ''}${size}px sans-serif`;
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          ctx.fillText(String(count), cx, cy);
        }),
      );
      ctx.restore();
    },
  };
}

/** Rows: true class; columns: predicted class (as RunMetrics.confusion). */
export function confusionChart(
  classes: readonly string[],
  confusion: readonly (readonly number[])[],
): MatrixConfiguration {
  const labels = confusion.map((_row, i) => classes[i] ?? `class ${i}`);
  // a vertical category axis already runs top to bottom (the first class on top, as the screen's
  // table): reversing it turned the exported matrix upside down
  const axis = (text: string) => ({
    type: 'category' as const,
    labels,
    offset: true,
    title: { display: true, text },
    grid: { display: false },
  });
  return {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: 'count',
          data: confusion.flatMap((row, i) => row.map((_count, j) => ({ x: j, y: i }))),
          pointRadius: 0,
          pointHoverRadius: 0,
        },
      ],
    },
    options: {
      ...COMMON_OPTIONS,
      scales: { x: axis('predicted class'), y: axis('true class') },
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
    },
    plugins: [cellsPlugin(confusion)],
  };
}
