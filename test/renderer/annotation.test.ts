import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../src/shared/contract';
import { AnnotationState, type Timers } from '../../src/renderer/src/state/annotation.svelte';
import { FakeClient, settle } from './fake-client';

const annotation = (extra: Partial<Annotation> = {}): Annotation => ({
  datasetId: 1,
  split: 'test',
  index: 4,
  tags: [],
  note: '',
  runId: null,
  createdAt: null,
  updatedAt: null,
  ...extra,
});

/** Timers the test fires by hand. */
function manualTimers(): Timers & { fire(): void; count(): number } {
  let pending: (() => void) | null = null;
  return {
    set: (callback) => {
      pending = callback;
      return 1;
    },
    clear: () => {
      pending = null;
    },
    fire: () => {
      const callback = pending;
      pending = null;
      callback?.();
    },
    count: () => (pending ? 1 : 0),
  };
}

function setup() {
  const fake = new FakeClient();
  const timers = manualTimers();
  const state = new AnnotationState(fake.client, timers);
  state.show(annotation({ note: 'old' }));
  return { fake, timers, state };
}

describe('AnnotationState', () => {
  it('says nothing about an empty note nobody touched, "saved" once it is', async () => {
    const fake = new FakeClient();
    const timers = manualTimers();
    const state = new AnnotationState(fake.client, timers);
    state.show(annotation());
    expect(state.status).toBe('saved');
    expect(state.shownStatus).toBeNull();
    // a note with text was saved at some point: "saved" is true of it
    state.show(annotation({ index: 5, note: 'kept' }));
    expect(state.shownStatus).toBe('saved');
    // cleared by the user and saved: worth saying
    state.edit('');
    expect(state.shownStatus).toBe('editing');
    timers.fire();
    fake.take('annotate').resolve({ ok: true, value: annotation({ index: 5, note: '' }) });
    await settle();
    expect(state.shownStatus).toBe('saved');
    // the next image's empty note starts untouched again
    state.show(annotation({ index: 6 }));
    expect(state.shownStatus).toBeNull();
  });

  it('saves the note after a pause in typing, and says so', async () => {
    const { fake, timers, state } = setup();
    state.edit('a deer by the woods');
    expect(state.status).toBe('editing');
    expect(fake.pending).toHaveLength(0);
    timers.fire();
    expect(state.status).toBe('saving');
    const save = fake.take('annotate');
    expect(save.input).toMatchObject({ datasetId: 1, index: 4, note: 'a deer by the woods' });
    save.resolve({ ok: true, value: annotation({ note: 'a deer by the woods' }) });
    await settle();
    expect(state.status).toBe('saved');
    expect(state.annotation?.note).toBe('a deer by the woods');
  });

  it('keeps the typed text when an annotationChanged event arrives while its save is in flight', async () => {
    const { fake, state } = setup();
    state.edit('mine');
    void state.flush();
    const save = fake.take('annotate');
    // another window tags the image; its event carries the note as it was before our save landed
    state.receive(annotation({ note: 'old', tags: ['interesting'] }));
    expect(state.draft).toBe('mine');
    expect(state.tags).toEqual(['interesting']);
    expect(state.status).toBe('saving');
    save.resolve({ ok: true, value: annotation({ note: 'mine', tags: ['interesting'] }) });
    await settle();
    expect(state.status).toBe('saved');
    expect(state.draft).toBe('mine');
  });

  it('takes an event for the shown image into the textarea when nothing is unsaved, and ignores other images', () => {
    const { state } = setup();
    state.receive(annotation({ index: 5, note: 'another image' }));
    expect(state.draft).toBe('old');
    state.receive(annotation({ note: 'from elsewhere' }));
    expect(state.draft).toBe('from elsewhere');
  });

  it('a failed save keeps the text and says why; typing on while saving saves again', async () => {
    const { fake, timers, state } = setup();
    state.edit('first');
    void state.flush();
    fake.take('annotate').resolve({ ok: false, error: { code: 'unavailable', message: 'server gone' } });
    await settle();
    expect(state.status).toBe('error');
    expect(state.draft).toBe('first');
    expect(state.error).toMatch(/server gone/);

    void state.flush();
    const retry = fake.take('annotate');
    state.edit('first and more'); // typed while the retry is in flight
    retry.resolve({ ok: true, value: annotation({ note: 'first' }) });
    await settle();
    expect(state.status).toBe('editing');
    expect(state.error).toBeNull();
    timers.fire();
    expect(fake.take('annotate').input).toMatchObject({ note: 'first and more' });
  });

  it('toggles tags at once and undoes the last change', async () => {
    const { fake, state } = setup();
    void state.toggleTag('interesting', true);
    expect(state.pendingTags.has('interesting')).toBe(true);
    expect(fake.take('annotate').input).toMatchObject({ addTags: ['interesting'] });
    // the answer and the event may come in either order; both are the same state
    state.receive(annotation({ note: 'old', tags: ['interesting'] }));
    fake.pending.length = 0;
    await settle();
    void state.undo();
    const undo = fake.take('undoAnnotation');
    expect(undo.input).toEqual({ datasetId: 1, split: 'test', index: 4 });
    undo.resolve({ ok: true, value: annotation({ note: 'old', tags: [] }) });
    await settle();
    expect(state.tags).toEqual([]);
  });

  it('undo drops unsaved typing instead of undoing a saved change', async () => {
    const { fake, timers, state } = setup();
    state.edit('oops');
    await state.undo();
    expect(state.draft).toBe('old');
    expect(state.status).toBe('saved');
    expect(timers.count()).toBe(0);
    expect(fake.pending).toHaveLength(0);
  });
});
