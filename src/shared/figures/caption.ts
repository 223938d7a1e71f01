/** Captions and alt text, generated from the runs and the case a figure shows. */
import type { RunSummary } from '../contract';
import type { FigureRun } from './types';

/** The run's name in legends and captions ("CNN #3" unless the user renamed it). */
export const runLabel = (run: Pick<RunSummary, 'name'>): string => run.name;

const number = (value: number): string => (Math.abs(value) < 0.01 ? value.toExponential(0) : String(value));

/** "CNN #3 (12 of ≤ 50 epochs, batch 256, lr 1e-3, seed 42, T 1000)". */
export function runDescription({ run, metrics }: FigureRun): string {
  const parts = [
    `${run.epochsDone} of ≤ ${run.config.epochs} epochs`,
    `batch ${run.config.batchSize}`,
    `lr ${number(run.config.learningRate)}`,
    `seed ${run.config.seed}`,
  ];
  if (metrics && metrics.samples > 1) parts.push(`T ${metrics.samples}`);
  return `${runLabel(run)} (${parts.join(', ')})`;
}

/** "the seed group of CNN #1 (seeds 1, 2, 3; ≤ 50 epochs, batch 256, lr 1e-3)": the runs given, first naming it. */
export function groupDescription(runs: readonly FigureRun[]): string {
  const first = runs[0];
  if (!first) return 'an empty seed group';
  const { config } = first.run;
  return `the seed group of ${runLabel(first.run)} (seeds ${runs.map((r) => r.run.config.seed).join(', ')}; ≤ ${config.epochs} epochs, batch ${config.batchSize}, lr ${number(config.learningRate)})`;
}

/** "CNN #1 (…) and VNN #2 (…) on the dataset "cifar-10"". */
export function runsSentence(runs: readonly FigureRun[]): string {
  const described = runs.map(runDescription);
  const list =
    described.length <= 1
      ? (described[0] ?? 'no run')
      : `${described.slice(0, -1).join('; ')} and ${described[described.length - 1] ?? ''}`;
  const datasets = [...new Set(runs.map((r) => r.datasetName))];
  return `${list}, on the dataset ${datasets.map((name) => `"${name}"`).join(', ')}`;
}

/** "#1, #2 and #3". */
export function runIds(runs: readonly FigureRun[]): string {
  const ids = runs.map(({ run }) => runLabel(run));
  return ids.length <= 1 ? (ids[0] ?? '') : `${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1] ?? ''}`;
}

export const percent = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : `${(value * 100).toFixed(1)}\u00a0%`;

export const fixed = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

/** Sentence case with a full stop. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) return trimmed;
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
