/** The app itself: version, door and defaults. */
import { z } from 'zod';
import { Empty, type RequestSpec } from './common';

export const AppInfo = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'browser']),
  databasePath: z.string(),
  defaultArchiveUrl: z.string(),
  cifarClasses: z.array(z.string()),
  defaultClasses: z.array(z.string()),
  /** The training agents' queue (its URL without password) when jobs go there (`--queue`), else null. */
  agents: z.string().nullable(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const appRequests = {
  appInfo: { input: Empty, output: AppInfo },
} as const satisfies Record<string, RequestSpec>;
