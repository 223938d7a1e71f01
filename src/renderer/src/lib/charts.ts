/**
 * chart.js with only what the learning curves, the evaluation charts and the boxplots use registered
 * (line, bar and boxplot charts on linear, logarithmic and category axes, legend and tooltip), so the bundle leaves the rest
 * out; `chart.js/auto` would register everything.
 */
import { BoxAndWiskers, BoxPlotController } from '@sgratzl/chartjs-chart-boxplot';
import {
  BarController,
  CategoryScale,
  BarElement,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  BarController,
  BarElement,
  LinearScale,
  LogarithmicScale,
  Legend,
  Tooltip,
  // the seed's boxplots (case view, a stochastic run's page)
  BoxPlotController,
  BoxAndWiskers,
  CategoryScale,
);

export { Chart };
export type { ChartConfiguration } from 'chart.js';

/** The series colours, matching app.css (`--accent`) and a warm contrast for validation. */
export const SERIES_COLOURS = { train: '#2563eb', validation: '#d97706', reference: '#9aa0a6' } as const;
