/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import { eventChannel, eventNames, requestChannel, requestNames } from '../../src/shared/contract';

/** Every concern file's `…Requests` and `…Events` maps (index.ts assembles them). */
const concerns = Object.entries(
  import.meta.glob<Record<string, unknown>>('../../src/shared/contract/*.ts', { eager: true }),
).filter(([file]) => !file.endsWith('/index.ts'));
const maps = (suffix: string): object[] =>
  concerns.flatMap(([, module]) =>
    Object.entries(module)
      .filter(([name, value]) => name.endsWith(suffix) && typeof value === 'object' && value !== null)
      .map(([, value]) => value as object),
  );
const concernRequests = maps('Requests');
const concernEvents = maps('Events');

describe('the contract assembled from its concerns', () => {
  it('keeps every request and event name and channel string', () => {
    // The names are the wire format of both doors: renaming one breaks a running page.
    expect(requestNames).toEqual(
      expect.arrayContaining([
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
      ]),
    );
    expect(eventNames).toEqual(
      expect.arrayContaining([
        'jobProgress',
        'jobFinished',
        'datasetsChanged',
        'runUpdated',
        'runProgress',
        'runEvaluated',
        'runExplained',
      ]),
    );
    expect(requestChannel('startRun')).toBe('casebook:request:startRun');
    expect(eventChannel('runUpdated')).toBe('casebook:event:runUpdated');
  });

  it('assembles every concern file', () => {
    expect(concerns.length).toBeGreaterThanOrEqual(8);
    expect(concernRequests.length).toBeGreaterThanOrEqual(7);
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
