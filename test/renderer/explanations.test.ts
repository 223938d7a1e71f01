import { describe, expect, it } from 'vitest';
import type { RunExplanations } from '../../src/shared/contract';
import { ErrorsState } from '../../src/renderer/src/state/errors.svelte';
import { ExplanationsState } from '../../src/renderer/src/state/explanations.svelte';
import { EXPLANATION } from '../cases/fixture';
import { FakeClient, settle } from './fake-client';

const listed = (shownId: number): RunExplanations => ({
  runId: 1,
  shownId,
  items: [
    { id: 2, createdAt: '2026-12-06T07:46:00.000Z', summary: { ...EXPLANATION, targetClass: 2 } },
    { id: 1, createdAt: '2026-12-06T07:45:00.000Z', summary: EXPLANATION },
  ],
});

describe('the explanations a run shows, in the page', () => {
  it("asks main to show the user's pick and follows picks made elsewhere", async () => {
    const fake = new FakeClient();
    const state = new ExplanationsState(fake.client, new ErrorsState());
    const changed: number[] = [];
    state.listen((runId) => changed.push(runId));
    void state.load(1);
    fake.take('listExplanations').resolve({ ok: true, value: listed(2) });
    await settle();
    expect(state.byRun[1]?.shownId).toBe(2);
    void state.show(1, 1);
    const asked = fake.take('showExplanation');
    expect(asked.input).toEqual({ runId: 1, explanationId: 1 });
    asked.resolve({ ok: true, value: listed(1) });
    await settle();
    expect(state.byRun[1]?.shownId).toBe(1);
    // another page (or the CLI) picked explanation 2: the list is asked for again, the pages told
    fake.emit('explanationShown', { runId: 1, explanationId: 2 });
    fake.take('listExplanations').resolve({ ok: true, value: listed(2) });
    await settle();
    expect(state.byRun[1]?.shownId).toBe(2);
    expect(changed).toEqual([1]);
  });
});
