/**
 * The sentence for a write-up under each difference, e.g. "VNN #2's accuracy is 0.4 points above
 * CNN #1's (95 % CI −0.6 to 1.4; McNemar p = 0.41, 3,000 test images): no evidence of a difference."
 */
import { STAT_METRIC_INFO, type StatMetric, type StatTest } from '../../../../shared/contract';
import { formatDifference, formatP } from '../../../../shared/stats-format';

export { formatDifference, formatP };

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
