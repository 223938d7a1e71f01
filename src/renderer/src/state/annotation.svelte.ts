import { SvelteSet } from 'svelte/reactivity';
import { MAX_NOTE_LENGTH, type Annotation } from '../../../shared/contract';
import { messageOf, unwrap, type CasebookClient } from '../lib/client';

/** The note's save state, shown beside it. */
export type NoteStatus = 'saved' | 'editing' | 'saving' | 'error';

/** How long typing may pause before the note is saved. */
export const NOTE_DEBOUNCE_MS = 700;

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const browserTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Editing one image's annotation: tag toggles and the run the note is about are saved at once; the
 * note is saved after a pause in typing and on blur. What the user typed is never replaced by an
 * answer or an event while it is unsaved; a failed save keeps the text and says why, in place.
 */
export class AnnotationState {
  /** The annotation as main last told it (answer or event, newest arrival). */
  annotation = $state.raw<Annotation | null>(null);
  /** The note in the textarea. */
  draft = $state('');
  status = $state<NoteStatus>('saved');
  /** Why the last change failed (kept until the next change succeeds). */
  error = $state<string | null>(null);
  /** The user typed in this image's note since it was shown. */
  touched = $state(false);
  /** Tag changes in flight (their buttons are disabled meanwhile). */
  readonly pendingTags = new SvelteSet<string>();

  readonly #client: CasebookClient;
  readonly #timers: Timers;
  #timer: unknown = null;
  /** Increases with every note save sent; an answer to an older one does not mark the note saved. */
  #noteSeq = 0;
  /** The note text of the save in flight, if any. */
  #sending: string | null = null;

  constructor(client: CasebookClient, timers: Timers = browserTimers) {
    this.#client = client;
    this.#timers = timers;
  }

  get tags(): string[] {
    return this.annotation?.tags ?? [];
  }

  get tooLong(): boolean {
    return this.draft.length > MAX_NOTE_LENGTH;
  }

  /** Shows another image's annotation (unsaved text of the previous one is saved first by the caller's flush). */
  show(annotation: Annotation): void {
    const same = this.#isShown(annotation);
    this.annotation = annotation;
    if (!same || this.status === 'saved') {
      this.#cancelTimer();
      // an answer to a save for the previous image no longer speaks for this one
      if (!same) this.#noteSeq++;
      this.#sending = null;
      this.draft = annotation.note;
      this.status = 'saved';
      this.error = null;
      if (!same) this.touched = false;
    }
  }

  /**
   * The status worth showing beside the note: none for an empty note nobody touched ("saved"
   * there claims work that was never done); otherwise the status.
   */
  get shownStatus(): NoteStatus | null {
    if (this.status === 'saved' && !this.touched && this.draft === '') return null;
    return this.status;
  }

  /** An annotationChanged event: taken for the shown image; the draft is kept while it is unsaved. */
  receive(annotation: Annotation): void {
    if (!this.#isShown(annotation)) return;
    this.annotation = annotation;
    if (this.status === 'saved') this.draft = annotation.note;
  }

  /** The user typed. */
  edit(text: string): void {
    this.draft = text;
    this.touched = true;
    this.status = 'editing';
    this.#cancelTimer();
    this.#timer = this.#timers.set(() => void this.flush(), NOTE_DEBOUNCE_MS);
  }

  /** Saves the note now if it has unsaved changes (on blur, before leaving the case). */
  async flush(): Promise<void> {
    this.#cancelTimer();
    const shown = this.annotation;
    if (!shown || this.status === 'saved' || this.status === 'saving') return;
    if (this.tooLong) {
      this.status = 'error';
      this.error = `A note has at most ${MAX_NOTE_LENGTH.toLocaleString('en')} characters.`;
      return;
    }
    if (this.draft === shown.note && this.status !== 'error') {
      this.status = 'saved';
      return;
    }
    const text = this.draft;
    const seq = ++this.#noteSeq;
    this.#sending = text;
    this.status = 'saving';
    const result = await this.#client.request('annotate', { ...this.#keyOf(shown), note: text });
    if (seq !== this.#noteSeq) return;
    this.#sending = null;
    if (!result.ok) {
      this.status = 'error';
      this.error = `The note was not saved: ${result.error.message}. Your text is kept here.`;
      return;
    }
    this.error = null;
    if (this.#isShown(result.value)) this.annotation = result.value;
    // typed on while it was saving: still unsaved, save again after the pause
    if (this.draft !== text) {
      this.edit(this.draft);
      return;
    }
    this.status = 'saved';
  }

  /** Adds or removes a tag (saved at once). */
  async toggleTag(tag: string, on: boolean): Promise<void> {
    const shown = this.annotation;
    const clean = tag.trim();
    if (!shown || clean === '' || this.pendingTags.has(clean)) return;
    this.pendingTags.add(clean);
    const result = await this.#client.request('annotate', {
      ...this.#keyOf(shown),
      ...(on ? { addTags: [clean] } : { removeTags: [clean] }),
    });
    this.pendingTags.delete(clean);
    if (!result.ok) {
      this.error = `The tag “${clean}” was not ${on ? 'added' : 'removed'}: ${result.error.message}`;
      return;
    }
    if (this.status !== 'error') this.error = null;
    if (this.#isShown(result.value)) this.receive(result.value);
  }

  /** The run the note is about (null: none). */
  async setRun(runId: number | null): Promise<void> {
    const shown = this.annotation;
    if (!shown) return;
    await this.#apply(() => this.#client.request('annotate', { ...this.#keyOf(shown), runId }), 'The run was not set');
  }

  /**
   * Undo: unsaved typing is dropped (back to the saved note); otherwise main's last change of this
   * image is undone.
   */
  async undo(): Promise<void> {
    const shown = this.annotation;
    if (!shown) return;
    if (this.status === 'editing' || this.status === 'error') {
      this.#cancelTimer();
      this.#noteSeq++;
      this.draft = shown.note;
      this.status = 'saved';
      this.error = null;
      return;
    }
    await this.#apply(
      () => this.#client.request('undoAnnotation', this.#keyOf(shown)),
      'Nothing was undone',
      'There is nothing to undo for this image.',
    );
  }

  /** Stops the pending save timer (the view is going away; flush first to keep the text). */
  dispose(): void {
    this.#cancelTimer();
  }

  /** True while a note save is in flight. */
  get saving(): boolean {
    return this.#sending !== null;
  }

  async #apply(
    send: () => Promise<import('../../../shared/contract').Result<Annotation | null>>,
    failure: string,
    whenNull?: string,
  ): Promise<void> {
    try {
      const value = unwrap(await send());
      if (value === null) {
        this.error = whenNull ?? null;
        return;
      }
      this.error = null;
      if (this.#isShown(value)) this.receive(value);
    } catch (error) {
      this.error = `${failure}: ${messageOf(error)}`;
    }
  }

  #keyOf(annotation: Annotation): { datasetId: number; split: Annotation['split']; index: number } {
    return { datasetId: annotation.datasetId, split: annotation.split, index: annotation.index };
  }

  #isShown(annotation: Annotation): boolean {
    const shown = this.annotation;
    return (
      shown !== null &&
      shown.datasetId === annotation.datasetId &&
      shown.split === annotation.split &&
      shown.index === annotation.index
    );
  }

  #cancelTimer(): void {
    if (this.#timer !== null) this.#timers.clear(this.#timer);
    this.#timer = null;
  }
}
