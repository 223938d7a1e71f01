/**
 * The one contract between the renderer and the main side. Every request and every event is
 * declared once, with a runtime schema, in the file of its concern; the TypeScript types are
 * derived from the schemas. Electron IPC, the preload and the HTTP server are all generated from
 * the two maps assembled here, so a channel name never appears twice. A new concern is one file
 * exporting its `…Requests` and `…Events`, plus one spread in each map below.
 * No Node and no DOM in this folder.
 */
import type { z } from 'zod';
import type { Result } from './common';
import { appRequests } from './app';
import { datasetEvents, datasetRequests } from './datasets';
import { runEvents, runRequests } from './runs';
import { evaluationEvents, evaluationRequests } from './evaluation';
import { explanationEvents, explanationRequests } from './explanation';
import { backgroundEvents, backgroundRequests } from './background';
import { jobEvents, jobRequests } from './jobs';
import { caseEvents, caseRequests } from './cases';
import { distributionRequests } from './distributions';
import { figureRequests } from './figures';
import { reportEvents, reportRequests } from './reports';
import { compareRequests } from './compare';
import { mapEvents, mapRequests } from './maps';
import { neighbourEvents, neighbourRequests } from './neighbours';
import { settingsEvents, settingsRequests } from './settings';

export * from './common';
export * from './app';
export * from './datasets';
export * from './runs';
export * from './run-identity';
export * from './evaluation';
export * from './explanation';
export * from './background';
export * from './jobs';
export * from './cases';
export * from './distributions';
export * from './figures';
export * from './reports';
export * from './compare';
export * from './maps';
export * from './neighbours';
export * from './agents';
export * from './settings';

/** Requests: renderer → main, each answered with a result envelope. */
export const requests = {
  ...appRequests,
  ...datasetRequests,
  ...runRequests,
  ...evaluationRequests,
  ...explanationRequests,
  ...backgroundRequests,
  ...jobRequests,
  ...caseRequests,
  ...distributionRequests,
  ...figureRequests,
  ...reportRequests,
  ...compareRequests,
  ...mapRequests,
  ...neighbourRequests,
  ...settingsRequests,
} as const;

/** Events: main → renderer, pushed. */
export const events = {
  ...jobEvents,
  ...datasetEvents,
  ...runEvents,
  ...evaluationEvents,
  ...explanationEvents,
  ...backgroundEvents,
  ...caseEvents,
  ...reportEvents,
  ...mapEvents,
  ...neighbourEvents,
  ...settingsEvents,
} as const;

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export type RequestInput<K extends RequestName> = z.input<Requests[K]['input']>;
export type RequestArgs<K extends RequestName> = z.output<Requests[K]['input']>;
export type RequestOutput<K extends RequestName> = z.output<Requests[K]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

export const requestNames = Object.keys(requests) as RequestName[];
export const eventNames = Object.keys(events) as EventName[];

/** Channel names, derived in one place for IPC and HTTP alike. */
export const requestChannel = (name: RequestName): string => `casebook:request:${name}`;
export const eventChannel = (name: EventName): string => `casebook:event:${name}`;

/** The typed surface the renderer sees, whatever carries it (Electron IPC or HTTP). */
export interface CasebookApi {
  request<K extends RequestName>(name: K, input: RequestInput<K>): Promise<Result<RequestOutput<K>>>;
  /** Subscribes to an event; returns a disposer. */
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
}
