import type { Progress } from '../../shared/contract';
import type { Io } from './args';

const WIDTH = 30;

function amount(value: number, unit: Progress['unit']): string {
  return unit === 'bytes' ? `${(value / 1e6).toFixed(1)} MB` : `${Math.round(value)} ${unit}`;
}

/**
 * A progress reporter on stderr: a bar redrawn in place on a terminal, otherwise a line per
 * phase and per tenth of the work, so logs stay short.
 */
export function progressPrinter(io: Io): { update: (p: Progress) => void; done: () => void } {
  let lastLine = '';
  let lastPhase = '';
  let lastTenth = -1;
  return {
    update(p) {
      const fraction = p.total ? Math.min(1, p.done / p.total) : null;
      const counts = p.total ? `${amount(p.done, p.unit)} / ${amount(p.total, p.unit)}` : amount(p.done, p.unit);
      if (io.interactive) {
        const filled = fraction === null ? 0 : Math.round(fraction * WIDTH);
        const bar =
          fraction === null
            ? ''
            : `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
        const line = `${p.phase}: ${bar}${counts}`;
        if (line !== lastLine) io.stderr(`\r\x1b[K${line}`);
        lastLine = line;
        return;
      }
      const tenth = fraction === null ? -1 : Math.floor(fraction * 10);
      if (p.phase !== lastPhase || tenth > lastTenth) {
        io.stderr(`${p.phase}: ${fraction === null ? '' : `${(fraction * 100).toFixed(0)}% `}${counts}\n`);
        lastPhase = p.phase;
        lastTenth = tenth;
      }
    },
    done() {
      if (io.interactive && lastLine) io.stderr('\n');
      lastLine = '';
    },
  };
}
