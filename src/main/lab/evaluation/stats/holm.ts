/**
 * Holm's step-down correction (Holm 1979, "A simple sequentially rejective multiple test
 * procedure", Scand. J. Statist. 6:65–70): sort the m p-values ascending; the i-th smallest
 * (1-based) becomes max over j ≤ i of min(1, (m − j + 1) · p_(j)). It controls the family-wise
 * error rate like Bonferroni, and is never less powerful. Same as R's p.adjust(p, "holm").
 */

export const HOLM = 'Holm';

/** Holm-adjusted p-values, in the order of `pValues`. */
export function holm(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`pValues: value at index ${i} is ${p}, expected a p-value in [0, 1]`);
  });
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => (pValues[a] as number) - (pValues[b] as number));
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * (pValues[index] as number)));
    adjusted[index] = running;
  });
  return adjusted;
}
