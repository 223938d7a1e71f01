import type { Progress } from '../../../shared/contract';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const megabytes = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const formatCount = (n: number): string => integer.format(n);

export const formatMegabytes = (bytes: number): string => `${megabytes.format(bytes / 1_000_000)} MB`;

/** "12.3 MB of 170.1 MB", "1,200 of 15,000 images", or just what is done when the total is unknown. */
export function formatProgress({ done, total, unit }: Progress): string {
  if (unit === 'bytes')
    return total === null ? formatMegabytes(done) : `${formatMegabytes(done)} of ${formatMegabytes(total)}`;
  return total === null ? `${formatCount(done)} ${unit}` : `${formatCount(done)} of ${formatCount(total)} ${unit}`;
}

/** The sum of a record of counts. */
export const total = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, n) => sum + n, 0);

const decimals = (digits: number): Intl.NumberFormat =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const fixed4 = decimals(4);
const fixed1 = decimals(1);

/** A number with four decimals (losses), or an en dash when there is none yet. */
export const formatLoss = (value: number | null): string => (value === null ? '–' : fixed4.format(value));

/** A share as a percentage with one decimal ("91.3 %"), or an en dash. */
export const formatPercent = (share: number | null): string =>
  share === null ? '–' : `${fixed1.format(share * 100)} %`;

/** A whole count with thousands separators, or an en dash. */
export const formatOptionalCount = (n: number | null): string => (n === null ? '–' : formatCount(n));

/** "45 s", "3 min 05 s", "1 h 02 min"; an en dash for null. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A stored ISO timestamp in the user's locale, or an en dash. */
export function formatTime(iso: string | null): string {
  if (iso === null) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A number with four decimals (AUC, ECE, Brier…), or an en dash. */
export const formatDecimal = (value: number | null): string => (value === null ? '–' : fixed4.format(value));

/** Seconds with one decimal below a minute ("0.4 s"), else as `formatDuration`. */
export const formatSeconds = (seconds: number): string =>
  seconds < 59.95 ? `${fixed1.format(seconds)} s` : formatDuration(seconds);
