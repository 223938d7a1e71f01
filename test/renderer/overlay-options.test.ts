import { describe, expect, it } from 'vitest';
import type { RunExplanations } from '../../src/shared/contract';
import { overlayLegend, overlayOptions, shownSummary } from '../../src/renderer/src/lib/overlay-options';
import { EXPLANATION } from '../cases/fixture';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const listed = (shownId: number): RunExplanations => ({
  runId: 1,
  shownId,
  items: [
    { id: 2, createdAt: '2026-12-06T07:46:00.000Z', summary: { ...EXPLANATION, targetClass: 9 } },
    { id: 1, createdAt: '2026-12-06T07:45:00.000Z', summary: { ...EXPLANATION, samples: 50 } },
  ],
});

describe("the gallery's overlay menu", () => {
  it('names the first choice by the class the shown explanation explains', () => {
    const chosen = overlayOptions(shownSummary(listed(2)), CLASSES);
    expect(chosen.map((o) => o.label)).toEqual(['class truck', 'true class', 'spread over samples']);
    // a chosen class's explanation has that class's maps only: no true-class maps, one sample
    expect(chosen.map((o) => o.disabled)).toEqual([false, true, true]);
    expect(overlayLegend('predicted', shownSummary(listed(2)), CLASSES)).toBe('class truck map');

    const predicted = overlayOptions(shownSummary(listed(1)), CLASSES);
    expect(predicted.map((o) => o.label)).toEqual(['predicted class', 'true class', 'spread over samples']);
    expect(predicted.map((o) => o.disabled)).toEqual([false, false, false]);
    expect(overlayLegend('true', shownSummary(listed(1)), CLASSES)).toBe('true class map');
  });

  it('reads the newest explanation when none is picked, and offers everything before the list is known', () => {
    expect(shownSummary({ ...listed(2), shownId: null })?.targetClass).toBe(9);
    expect(shownSummary(undefined)).toBeNull();
    const unknown = overlayOptions(null, CLASSES);
    expect(unknown.map((o) => [o.label, o.disabled])).toEqual([
      ['predicted class', false],
      ['true class', false],
      ['spread over samples', false],
    ]);
  });
});
