/**
 * Selective classification: the risk–coverage curve and the area under it (AURC).
 *
 * Images are ranked by confidence, most confident first. At coverage k/n (k = 1 … n) the risk is
 * the error rate among the k most confident images. Images with EQUAL confidence cannot be told
 * apart by any threshold, so they are handled as a group: when the first k images end part-way
 * through a tie group G of size n_G with e_G errors, after E errors among the m more confident
 * images, the error count at k is E + (k − m) · e_G / n_G — the expected count over all orders of
 * the group. The curve therefore does not depend on the input order, and at the end of each group
 * it is the exact error rate of "accept everything with confidence ≥ that group's".
 *
 * AURC (Geifman, Uziel & El-Yaniv, "Bias-reduced uncertainty estimation for deep neural
 * classifiers", ICLR 2019): the mean of the risks at the n coverages,
 *   AURC = (1/n) Σ_{k=1..n} risk(k/n),
 * i.e. the right-endpoint Riemann sum of the curve over coverage in (0, 1] with steps of 1/n.
 */
import type { Correctness } from './classification';
import { checkCorrectness, checkFinite, checkSameLength, type Numbers } from './validate';

export interface RiskCoverage {
  /** k/n for k = 1 … n. */
  readonly coverage: number[];
  /** Error rate among the k most confident images (tie groups averaged, see the file comment). */
  readonly risk: number[];
  /** Confidence of the k-th most confident image: the acceptance threshold reached at k. */
  readonly threshold: number[];
  /** Mean of `risk`. */
  readonly aurc: number;
}

interface TieGroup {
  readonly confidence: number;
  readonly size: number;
  readonly errors: number;
}

/** Tie groups in descending order of confidence. */
function tieGroups(confidences: Numbers, correct: Correctness): TieGroup[] {
  const order = Array.from({ length: confidences.length }, (_, i) => i).sort(
    (a, b) => (confidences[b] as number) - (confidences[a] as number),
  );
  const groups: TieGroup[] = [];
  for (const i of order) {
    const confidence = confidences[i] as number;
    const error = correct[i] ? 0 : 1;
    const last = groups[groups.length - 1];
    if (last !== undefined && last.confidence === confidence) {
      groups[groups.length - 1] = { confidence, size: last.size + 1, errors: last.errors + error };
    } else {
      groups.push({ confidence, size: 1, errors: error });
    }
  }
  return groups;
}

/** The risk–coverage curve and AURC of per-image confidences and correctness. */
export function riskCoverage(confidences: Numbers, correct: Correctness): RiskCoverage {
  checkSameLength('confidences', confidences, 'correct', correct);
  checkFinite('confidences', confidences);
  checkCorrectness('correct', correct);
  const n = confidences.length;
  const coverage: number[] = [];
  const risk: number[] = [];
  const threshold: number[] = [];
  let before = 0;
  let errorsBefore = 0;
  for (const group of tieGroups(confidences, correct)) {
    for (let j = 1; j <= group.size; j++) {
      const k = before + j;
      coverage.push(k / n);
      risk.push((errorsBefore + (j * group.errors) / group.size) / k);
      threshold.push(group.confidence);
    }
    before += group.size;
    errorsBefore += group.errors;
  }
  return { coverage, risk, threshold, aurc: risk.reduce((s, r) => s + r, 0) / n };
}
