/**
 * Numbers as text, shared by the main side (finder reasons, reports) and the renderer (tiles).
 * No Node and no DOM.
 */

/**
 * `x` to `digits` significant digits, without trailing zeros or an exponent: 0.08123 → "0.0812",
 * 0.0849 → "0.0849", 1.2345 → "1.23", 0 → "0". Ranked neighbours such as 0.0812 and 0.0809 stay
 * apart where two decimals read "0.08" for both.
 */
export function significant(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const rounded = Number(x.toPrecision(digits));
  // Number → string writes 1e-7 and below with an exponent: spell the decimals out instead
  const magnitude = Math.floor(Math.log10(Math.abs(rounded)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return rounded
    .toFixed(Math.min(decimals, 100))
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

/**
 * A share as a whole percentage for a LOWER bound ("≥ 96 %"): rounded down, so the bound holds
 * (0.96893 → "96 %", where rounding would claim ≥ 97 %). A tiny epsilon keeps 0.29 at 29 %
 * despite 0.29 × 100 = 28.999999999999996.
 */
export const floorPercent = (share: number): string => `${Math.floor(share * 100 + 1e-9)} %`;
