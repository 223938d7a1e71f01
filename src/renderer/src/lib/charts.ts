/**
 * chart.js with only what the learning curves use registered (line charts on linear axes, legend
 * and tooltip), so the bundle leaves the rest out; `chart.js/auto` would register everything.
 */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

export { Chart };
export type { ChartConfiguration } from 'chart.js';

/** The series colours, matching app.css (`--accent`) and a warm contrast for validation. */
export const SERIES_COLOURS = { train: '#2563eb', validation: '#d97706' } as const;
