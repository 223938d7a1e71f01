/**
 * Input checks shared by the metric functions. Every error names the argument it is about, so a
 * caller sees at once which array was wrong. Nothing here allocates more than a number or two.
 */

/** A flat, row-major matrix of numbers: rows × columns values. */
export type Numbers = ArrayLike<number>;

/** Throws unless `value` is an integer ≥ `min`. */
export function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name}: expected an integer ≥ ${min}, got ${value}`);
  }
}

/** Throws unless every value is finite (no NaN, no ±Infinity). */
export function checkFinite(name: string, values: Numbers): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new RangeError(`${name}: value at index ${i} is ${v}, expected a finite number`);
  }
}

/**
 * Checks a row-major N×K matrix of probabilities: length a positive multiple of K, every value
 * finite and in [0, 1]. Rows are not required to sum to 1 (float32 softmax outputs and means of
 * samples miss 1 by rounding). Returns N.
 */
export function checkProbabilities(name: string, probs: Numbers, numClasses: number): number {
  checkInteger('numClasses', numClasses, 2);
  if (probs.length === 0 || probs.length % numClasses !== 0) {
    throw new RangeError(`${name}: length ${probs.length} is not a positive multiple of numClasses ${numClasses}`);
  }
  for (let i = 0; i < probs.length; i++) {
    const v = probs[i] as number;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name}: value at index ${i} is ${v}, expected a probability`);
  }
  return probs.length / numClasses;
}

/** Checks class labels: `expectedLength` of them, each an integer in [0, numClasses). */
export function checkLabels(name: string, labels: Numbers, numClasses: number, expectedLength?: number): void {
  if (expectedLength !== undefined && labels.length !== expectedLength) {
    throw new RangeError(`${name}: length ${labels.length} does not match the ${expectedLength} rows expected`);
  }
  if (labels.length === 0) throw new RangeError(`${name}: is empty`);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new RangeError(`${name}: value at index ${i} is ${v}, expected a class index in [0, ${numClasses})`);
    }
  }
}

/** Checks that two arrays have the same non-zero length. */
export function checkSameLength(nameA: string, a: ArrayLike<unknown>, nameB: string, b: ArrayLike<unknown>): void {
  if (a.length === 0) throw new RangeError(`${nameA}: is empty`);
  if (a.length !== b.length) {
    throw new RangeError(`${nameB}: length ${b.length} does not match ${nameA} length ${a.length}`);
  }
}

/** Index of the largest value in row `row` of a row-major matrix; ties go to the lowest index. */
export function argmaxRow(values: Numbers, row: number, numClasses: number): number {
  const base = row * numClasses;
  let best = 0;
  let bestValue = values[base] as number;
  for (let k = 1; k < numClasses; k++) {
    const v = values[base + k] as number;
    if (v > bestValue) {
      best = k;
      bestValue = v;
    }
  }
  return best;
}

/** Checks per-image correctness flags: booleans or the numbers 0 and 1. */
export function checkCorrectness(name: string, correct: ArrayLike<boolean | number>): void {
  for (let i = 0; i < correct.length; i++) {
    const v = correct[i];
    if (v !== true && v !== false && v !== 0 && v !== 1) {
      throw new RangeError(`${name}: value at index ${i} is ${String(v)}, expected true/false or 1/0`);
    }
  }
}
