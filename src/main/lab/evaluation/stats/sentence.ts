/**
 * The sentence for a write-up under each difference, e.g. "VNN #2's accuracy is 0.4 points above
 * CNN #1's (95 % CI −0.6 to 1.4; McNemar p = 0.41, 3,000 test images): no evidence of a difference."
 */
import { STAT_METRIC_INFO, type StatMetric, type StatTest } from '../../../../shared/contract';

/** Decimals a difference of each metric is written with (accuracy in percentage points). */
const DECIMALS: Record<StatMetric, number> = {
  accuracy: 1,
  aucHandTill: 3,
  aucSeedStyle: 3,
  nll: 3,
  brier: 3,
  ece: 3,
  aurc: 4,
};

const MINUS = '−';

/** A difference in the metric's unit (points for accuracy), with a true minus sign. */
export function formatDifference(metric: StatMetric, value: number): string {
  const scaled = metric === 'accuracy' ? value * 100 : value;
  const text = Math.abs(scaled).toFixed(DECIMALS[metric]);
  return Number(text) === 0 ? text : `${scaled < 0 ? MINUS : ''}${text}`;
}

/** "p = 0.41", "p = 0.039", "p < 0.001". */
export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${Number(p.toPrecision(2))}`;
}

export interface SentenceInput {
  metric: StatMetric;
  run: string;
  baseline: string;
  difference: number | null;
  ci: [number, number] | null;
  test: StatTest;
  p: number;
  pAdjusted: number;
  /** The correction applied, or null. */
  correction: string | null;
  images: number;
  significant: boolean;
}

/** The sentence; see the file comment. */
export function differenceSentence(input: SentenceInput): string {
  const { metric, run, baseline } = input;
  const name = STAT_METRIC_INFO[metric].label;
  const subject = `${run}'s ${name}`;
  if (input.difference === null || input.ci === null)
    return `${subject} cannot be compared with ${baseline}'s: it is undefined on this test set.`;
  const unit = metric === 'accuracy' ? ' points' : '';
  const size = formatDifference(metric, Math.abs(input.difference));
  const relation =
    Number(size) === 0
      ? `equal to ${baseline}'s`
      : `${size}${unit} ${input.difference > 0 ? (metric === 'accuracy' ? 'above' : 'higher than') : metric === 'accuracy' ? 'below' : 'lower than'} ${baseline}'s`;
  const ci = `95 % CI ${formatDifference(metric, input.ci[0])} to ${formatDifference(metric, input.ci[1])}`;
  const test = input.test === 'McNemar exact' ? 'McNemar' : 'paired bootstrap';
  const adjusted = input.correction === null ? '' : `, ${input.correction}-adjusted ${formatP(input.pAdjusted)}`;
  const images = `${input.images.toLocaleString('en-GB')} test images`;
  const better = STAT_METRIC_INFO[metric].better === 'higher' ? input.difference > 0 : input.difference < 0;
  const verdict = !input.significant
    ? 'no evidence of a difference'
    : `evidence that ${run} is ${better ? 'better' : 'worse'} on this test set`;
  return `${subject} is ${relation} (${ci}; ${test} ${formatP(input.p)}${adjusted}, ${images}): ${verdict}.`;
}
