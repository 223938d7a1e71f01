/**
 * The comparison's charts: the shared figure definitions (src/shared/figures), so what the screen
 * draws is what `casebook figure` and the export menu draw.
 */
export {
  ema,
  curveChart,
  drawnPoints,
  type CurveRun,
  type CurveOptions,
  type LineConfiguration,
} from '../../../shared/figures/curves';
export { reliabilityChart, riskCoverageChart, type EvaluatedRun } from '../../../shared/figures/calibration';
export type { Point } from '../../../shared/figures/style';
