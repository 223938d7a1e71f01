/**
 * chart.js in Node: every controller the figures use (the boxplot one included) registered once,
 * the paper's font and ink, and a chart drawn on a canvas (PNG) or an SVG surface.
 */
import { Chart, registerables, type ChartItem, type Plugin } from 'chart.js';
import { BoxAndWiskers, BoxPlotController } from '@sgratzl/chartjs-chart-boxplot';
import type { Canvas } from '@napi-rs/canvas';
import { FIGURE_FONT_PX, type AnyChartConfiguration } from '../../../shared/figures';
import { FIGURE_FONT_FAMILY } from './fonts';
import type { SvgSurface } from './svg-context';

Chart.register(...registerables, BoxPlotController, BoxAndWiskers);
Chart.defaults.font.family = FIGURE_FONT_FAMILY;
Chart.defaults.font.size = FIGURE_FONT_PX;
Chart.defaults.color = '#333333';

/** A white page under the chart (a PNG would otherwise be transparent). */
const whiteBackground: Plugin = {
  id: 'figureBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    // before anything else is drawn
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/**
 * Draws the configuration once on the surface (its size is the chart's size in CSS pixels;
 * `pixelRatio` multiplies a canvas's pixels), reads the result with `read` and lets the chart go
 * (destroying a chart clears its canvas).
 */
export function drawChart<T>(
  config: AnyChartConfiguration,
  surface: Canvas | SvgSurface,
  pixelRatio: number,
  read: () => T,
): T {
  const chart = new Chart(
    surface as unknown as ChartItem,
    {
      ...config,
      options: { ...config.options, responsive: false, animation: false, devicePixelRatio: pixelRatio },
      plugins: [...(config.plugins ?? []), whiteBackground],
    } as AnyChartConfiguration,
  );
  try {
    return read();
  } finally {
    chart.destroy();
  }
}
