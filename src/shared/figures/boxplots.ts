/**
 * Per-class boxplots of one image's sampled probabilities, one colour per run (the boxplot
 * controller of @sgratzl/chartjs-chart-boxplot, registered by whoever draws).
 */
import type { ChartConfiguration } from 'chart.js';
import type {} from '@sgratzl/chartjs-chart-boxplot';
import type { CaseDetail } from '../contract';
import { COMMON_OPTIONS, runColour } from './style';

/** A box as the controller reads it: whiskers at Tukey's fences, the outliers beyond them. */
export interface BoxData {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  whiskerMin: number;
  whiskerMax: number;
  mean: number;
  items: number[];
  outliers: number[];
}

export type BoxplotConfiguration = ChartConfiguration<'boxplot', BoxData[]>;

type CaseRun = CaseDetail['runs'][number];

/** One class's box of one run: its Tukey statistics, or a flat box at the probability (one sample). */
export function boxOf(run: CaseRun, k: number): BoxData {
  const box = run.boxplots?.[k];
  const p = run.probabilities[k] ?? 0;
  if (!box)
    return { min: p, q1: p, median: p, q3: p, max: p, whiskerMin: p, whiskerMax: p, mean: p, items: [], outliers: [] };
  const [low, q1, median, q3, high] = box.stats;
  return {
    min: Math.min(low, ...box.out),
    q1,
    median,
    q3,
    max: Math.max(high, ...box.out),
    whiskerMin: low,
    whiskerMax: high,
    mean: p,
    items: [],
    outliers: [...box.out],
  };
}

export function boxplotChart(detail: Pick<CaseDetail, 'classes' | 'runs'>): BoxplotConfiguration {
  return {
    type: 'boxplot',
    data: {
      labels: [...detail.classes],
      datasets: detail.runs.map((run, position) => {
        const colour = runColour(position);
        return {
          label: `${run.runLabel}${run.samples > 1 ? ` (T ${run.samples})` : ''}`,
          data: detail.classes.map((_name, k) => boxOf(run, k)),
          backgroundColor: `${colour}55`,
          borderColor: colour,
          borderWidth: 1.5,
          outlierBackgroundColor: colour,
          outlierBorderColor: colour,
          outlierRadius: 2,
          medianColor: colour,
          meanRadius: 0,
          itemRadius: 0,
        };
      }),
    },
    options: {
      ...COMMON_OPTIONS,
      parsing: undefined,
      normalized: undefined,
      scales: {
        x: { type: 'category', title: { display: true, text: 'class' } },
        y: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'probability' } },
      },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    },
  };
}
