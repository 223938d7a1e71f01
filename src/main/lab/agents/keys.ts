/** Where Casebook keeps things in Redis: the jobs queue every agent serves, and per study its results and state. */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

/** The BullMQ queue of jobs that every agent takes work from. */
export const JOBS_QUEUE = 'casebook-jobs';

/** A study's results queue (its name identifies the study): one per database file on one host. */
export function resultsQueueName(databasePath: string, host = hostname()): string {
  const id = createHash('sha256')
    .update(`${host}\n${resolve(databasePath)}`)
    .digest('hex')
    .slice(0, 16);
  return `casebook-results-${id}`;
}

/** BullMQ's job id of a study's job: unique across the studies sharing the queue. */
export function bullJobId(study: string, key: string): string {
  return `${study.replace('casebook-results-', '')}-${key}`;
}

export const keys = {
  datasetMeta: (hash: string) => `casebook:dataset:${hash}:meta`,
  datasetChunk: (hash: string, index: number) => `casebook:dataset:${hash}:${index}`,
  /** What a job resumes from (ResumeState), kept by the app. */
  resume: (study: string, key: string) => `casebook:${study}:resume:${key}`,
  /** Set when the user cancels a job an agent is running. */
  cancel: (study: string, key: string) => `casebook:${study}:cancel:${key}`,
  /** The study's open jobs: key → {runId, lease}; adopted again when the app starts. */
  open: (study: string) => `casebook:${study}:open`,
};

/** How long datasets, resume states and cancel flags stay in Redis without being touched. */
export const KEEP_SECONDS = 7 * 24 * 3600;
