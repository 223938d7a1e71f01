import { messageOf } from '../lib/client';

export interface ShownError {
  id: number;
  /** What the app was doing, e.g. "Loading datasets". */
  context: string | null;
  message: string;
}

/** Errors shown in the banner until the user dismisses them; nothing is swallowed. */
export class ErrorsState {
  list = $state.raw<ShownError[]>([]);
  #next = 1;

  /** Shows an error; the same message repeated while still shown is not added twice. */
  report(error: unknown, context: string | null = null): void {
    const message = messageOf(error);
    console.error(context ? `${context}: ${message}` : message, error);
    if (this.list.some((shown) => shown.message === message && shown.context === context)) return;
    this.list = [...this.list, { id: this.#next++, context, message }];
  }

  dismiss(id: number): void {
    this.list = this.list.filter((shown) => shown.id !== id);
  }

  clear(): void {
    this.list = [];
  }
}
