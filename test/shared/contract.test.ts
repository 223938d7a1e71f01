import { describe, expect, it } from 'vitest';
import {
  appRequests,
  datasetEvents,
  datasetRequests,
  eventChannel,
  eventNames,
  evaluationEvents,
  evaluationRequests,
  explanationEvents,
  explanationRequests,
  jobEvents,
  jobRequests,
  requestChannel,
  requestNames,
  runEvents,
  runRequests,
} from '../../src/shared/contract';

const concernRequests = [
  appRequests,
  datasetRequests,
  runRequests,
  evaluationRequests,
  explanationRequests,
  jobRequests,
];
const concernEvents = [jobEvents, datasetEvents, runEvents, evaluationEvents, explanationEvents];

describe('the contract assembled from its concerns', () => {
  it('keeps every request and event name and channel string', () => {
    // The names are the wire format of both doors: renaming one breaks a running page.
    expect(requestNames).toEqual([
      'appInfo',
      'listDatasets',
      'getDataset',
      'listImages',
      'startImport',
      'modelDefaults',
      'listRuns',
      'getRun',
      'startRun',
      'resumeRun',
      'cancelRun',
      'evaluateRun',
      'getEvaluation',
      'explainRun',
      'getExplanation',
      'listExplanationImages',
      'listJobs',
      'cancelJob',
    ]);
    expect(eventNames).toEqual([
      'jobProgress',
      'jobFinished',
      'datasetsChanged',
      'runUpdated',
      'runProgress',
      'runEvaluated',
      'runExplained',
    ]);
    expect(requestChannel('startRun')).toBe('casebook:request:startRun');
    expect(eventChannel('runUpdated')).toBe('casebook:event:runUpdated');
  });

  it('has no name declared by two concerns (a spread would silently keep only the last)', () => {
    const requestKeys = concernRequests.flatMap((map) => Object.keys(map));
    const eventKeys = concernEvents.flatMap((map) => Object.keys(map));
    expect(new Set(requestKeys).size).toBe(requestKeys.length);
    expect(requestKeys.length).toBe(requestNames.length);
    expect(new Set(eventKeys).size).toBe(eventKeys.length);
    expect(eventKeys.length).toBe(eventNames.length);
  });
});
