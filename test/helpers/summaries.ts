/**
 * Stored results without the work behind them: an evaluation's and an explanation's summary with
 * every curve empty and every score zero, for fixtures and benches that store predictions and maps
 * directly and give only the fields they care about.
 */
import { defaultRunConfig, type ExplanationSummary, type RunMetrics, type RunSummary } from '../../src/shared/contract';

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

/** A finished CNN run's summary with every number 1 (accuracy 0.5), for figure fixtures. */
export function runSummary(fields: Partial<RunSummary> & Pick<RunSummary, 'id' | 'name' | 'colour'>): RunSummary {
  return {
    group: null,
    datasetId: 1,
    datasetHash: 'h',
    model: 'cnn',
    config: defaultRunConfig('cnn'),
    parentId: null,
    status: 'done',
    error: null,
    backend: 'wasm',
    params: 10,
    epochsDone: 1,
    bestEpoch: 1,
    bestValLoss: 1,
    trainSeconds: 1,
    imagesPerSecond: 1,
    testLoss: 1,
    testAccuracy: 0.5,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt: null,
    agent: null,
    ...fields,
  };
}
