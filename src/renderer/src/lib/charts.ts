/**
 * chart.js with only what the figures use registered (line, bar, scatter and boxplot charts on
 * linear, logarithmic and category axes, legend, title and tooltip), so the bundle leaves the rest
 * out; `chart.js/auto` would register everything. The chart definitions live in
 * src/shared/figures, shared with Node's export.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
} from 'chart.js';
import { BoxAndWiskers, BoxPlotController } from '@sgratzl/chartjs-chart-boxplot';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  BarController,
  BarElement,
  ScatterController,
  BoxPlotController,
  BoxAndWiskers,
  LinearScale,
  LogarithmicScale,
  CategoryScale,
  Legend,
  Title,
  Tooltip,
);

export { Chart };
