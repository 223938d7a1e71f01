/**
 * McNemar's exact test for two classifiers on the same images (McNemar 1947; the exact, or
 * "binomial", form recommended by Fagerland, Lydersen & Laake 2013, BMC Med. Res. Methodol. 13:91).
 *
 * Only the discordant images count: b = right by the first run and wrong by the second, c = the
 * reverse. Under "both runs are equally accurate", b ~ Binomial(b + c, ½), and the two-sided
 * p-value is min(1, 2 · P(X ≤ min(b, c))). No discordant image: p = 1.
 *
 * The binomial tail is summed exactly in log space: with p = ½ every term is C(n, k) / 2ⁿ, and the
 * log of C(n, k) follows by the recurrence C(n, k) = C(n, k − 1) · (n − k + 1) / k. That is 15
 * lines instead of a dependency (@stdlib's binomial CDF is a test oracle for it, not shipped: its
 * 215 packages weigh 24 MB).
 */

/** P(X ≤ k) for X ~ Binomial(n, ½). */
export function binomialHalfCdf(k: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n: expected a non-negative integer, got ${n}`);
  if (!Number.isInteger(k)) throw new RangeError(`k: expected an integer, got ${k}`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  const logHalfN = n * Math.log(0.5);
  let logChoose = 0; // log C(n, 0)
  let total = Math.exp(logHalfN);
  for (let j = 1; j <= k; j++) {
    logChoose += Math.log((n - j + 1) / j);
    total += Math.exp(logChoose + logHalfN);
  }
  return Math.min(1, total);
}

export interface McNemarResult {
  /** Images right in the first run and wrong in the second. */
  readonly b: number;
  /** Images wrong in the first run and right in the second. */
  readonly c: number;
  /** Exact two-sided p-value. */
  readonly p: number;
}

/** The exact two-sided McNemar p-value of b vs c discordant images. */
export function mcnemarExact(b: number, c: number): McNemarResult {
  for (const [name, v] of [
    ['b', b],
    ['c', c],
  ] as const)
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name}: expected a count, got ${v}`);
  const n = b + c;
  const p = n === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(Math.min(b, c), n));
  return { b, c, p };
}

/** McNemar's exact test of two runs' per-image correctness (1 right, 0 wrong), image by image. */
export function mcnemarOfCorrectness(first: ArrayLike<number>, second: ArrayLike<number>): McNemarResult {
  if (first.length !== second.length)
    throw new RangeError(
      `second: has ${second.length} images, first has ${first.length}; McNemar needs the same images`,
    );
  let b = 0;
  let c = 0;
  for (let i = 0; i < first.length; i++) {
    if (first[i] && !second[i]) b++;
    else if (!first[i] && second[i]) c++;
  }
  return mcnemarExact(b, c);
}
