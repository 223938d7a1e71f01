/// <reference types="svelte" />
import type { CasebookApi } from '../../shared/contract';

declare global {
  interface Window {
    /** Present under Electron: the preload exposes exactly the contract under this name. */
    readonly casebook?: CasebookApi;
  }
}

export {};
