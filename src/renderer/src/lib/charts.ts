/**
 * chart.js with only what the learning curves and the evaluation charts use registered (line and
 * bar charts on linear and logarithmic axes, legend and tooltip), so the bundle leaves the rest
 * out; `chart.js/auto` would register everything.
 */
import {
  BarController,
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
);

export { Chart };
export type { ChartConfiguration } from 'chart.js';

/** The series colours, matching app.css (`--accent`) and a warm contrast for validation. */
export const SERIES_COLOURS = { train: '#2563eb', validation: '#d97706', reference: '#9aa0a6' } as const;
