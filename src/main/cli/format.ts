import type { BackgroundSummary, ExplanationSummary, RunMetrics } from '../../shared/contract';
import { CAM_METHOD_LABELS } from '../../shared/contract';

/** A number with fixed digits, or "-" when there is none. */
export function fmt(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits);
}

/** One line of an evaluation's headline figures. */
export function describeMetrics(m: RunMetrics): string {
  const stochastic = m.samples > 1 ? `, ${m.samples} samples/image, mean MI ${fmt(m.meanMutualInformation, 4)}` : '';
  return `accuracy ${fmt(m.accuracy, 4)}, AUC ${fmt(m.aucHandTill, 4)} (seed-style ${fmt(m.aucSeedStyle, 4)}), NLL ${fmt(m.nll, 4)}, Brier ${fmt(m.brier, 4)}, ECE ${fmt(m.ece, 4)}, AURC ${fmt(m.aurc, 4)}${stochastic} (${fmt(m.seconds, 1)} s)`;
}

/** One line of an explanation's headline figures. */
export function describeExplanation(e: ExplanationSummary): string {
  const road = e.road.find((r) => r.fraction === 0.2);
  const roadText = road
    ? `; ROAD at 20 % most relevant first ${fmt(road.mostDrop, 3)}, least relevant first ${fmt(road.leastDrop, 3)} (score ${fmt(e.roadScore, 3)})`
    : '';
  return `${CAM_METHOD_LABELS[e.method]} of ${e.layer} over ${e.images} images${e.samples > 1 ? ` (${e.samples} samples each)` : ''}: probability drop at 20 % deleted ${fmt(e.deletionDrop, 3)} by CAM vs ${fmt(e.randomDrop, 3)} random${roadText}, mean background share ${fmt(e.meanBackground, 3)} (${fmt(e.seconds, 1)} s)`;
}

/** One line of a background test's headline figures. */
export function describeBackground(b: BackgroundSummary): string {
  return `background test of ${b.images} images${b.samples > 1 ? ` (${b.samples} samples each)` : ''}: mean dependence ${fmt(b.meanDependence, 3)} on the background vs ${fmt(b.meanCentreDependence, 3)} on the centre; the class flips when only the background changes in ${b.flips} (${b.flipsBlur} blurred, ${b.flipsMean} mean colour; ${b.flipsRight} of them right) (${fmt(b.seconds, 1)} s)`;
}

/** Rows of cells as text columns: each padded to its column's widest cell, two spaces apart. */
export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((row) => row[c]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
