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
