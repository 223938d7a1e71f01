/**
 * Stored results without the work behind them: an evaluation's and an explanation's summary with
 * every curve empty and every score zero, for fixtures and benches that store predictions and maps
 * directly and give only the fields they care about.
 */
import type { ExplanationSummary, RunMetrics } from '../../src/shared/contract';

export function emptyMetrics(fields: Partial<RunMetrics> & Pick<RunMetrics, 'images' | 'samples'>): RunMetrics {
  return {
    accuracy: 0,
    aucHandTill: 0,
    aucSeedStyle: 0,
    nll: 0,
    brier: 0,
    ece: 0,
    aurc: 0,
    perClass: [],
    confusion: [],
    reliability: [],
    riskCoverage: [],
    convergence: [],
    meanEntropy: 0,
    meanMutualInformation: null,
    seconds: 0,
    ...fields,
  };
}

export function emptyExplanation(
  fields: Partial<ExplanationSummary> & Pick<ExplanationSummary, 'layer' | 'images' | 'mapShape'>,
): ExplanationSummary {
  return {
    method: 'gradcam',
    score: 'logit',
    targetClass: null,
    samples: 1,
    deletion: [],
    deletionDrop: 0,
    randomDrop: 0,
    road: [],
    roadScore: null,
    meanBackground: 0,
    meanStd: null,
    maxStd: null,
    seconds: 0,
    ...fields,
  };
}
