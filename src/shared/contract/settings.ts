/**
 * Settings → "Train on agents": connect the app to a training agents' queue (BullMQ on Redis) at
 * run time, or back to the local worker, and what the queue looks like. The URL is checked on the
 * main side as the CLI's `--queue` is (a password or TLS, or `insecureLocal` with a loopback host).
 */
import { z } from 'zod';
import { Empty, type RequestSpec } from './common';

export const ConnectAgentsRequest = z.strictObject({
  /** redis://:password@host:6379 or rediss://… */
  url: z.string().trim().min(1, 'give the Redis URL of the queue').max(2_000),
  /** Allows a Redis without password or TLS, on this machine's loopback only. */
  insecureLocal: z.boolean().default(false),
});
export type ConnectAgentsRequest = z.input<typeof ConnectAgentsRequest>;

/**
 * Where training, evaluation and explanation jobs go: `local` (the local worker), `agents` (the
 * queue), or `draining` (disconnected: new jobs run locally, while the jobs already on the queue
 * finish on agents and are recorded; the queue is let go when the last one has ended).
 */
export const AgentsMode = z.enum(['local', 'agents', 'draining']);
export type AgentsMode = z.infer<typeof AgentsMode>;

export const AgentsStatus = z.object({
  mode: AgentsMode,
  /** The queue, its password hidden (null: local). */
  queue: z.string().nullable(),
  /** Who chose the queue: Settings (remembered for the next start) or the command line (`--queue`). */
  source: z.enum(['settings', 'command line']).nullable(),
  /** The agents serving the queue now, by name (null: local, or the Redis does not list its clients). */
  agents: z.array(z.string()).nullable(),
  /** Jobs of every study waiting on the queue for an agent, and being run by one (null: unknown). */
  waiting: z.number().int().nonnegative().nullable(),
  active: z.number().int().nonnegative().nullable(),
  /** This app's jobs on the queue not yet ended (while draining: what is still awaited). */
  open: z.number().int().nonnegative(),
  /** Why the queue's state or the remembered queue could not be reached (null: nothing wrong). */
  problem: z.string().nullable(),
  /** Where the choice is remembered (the URL with its password, readable by this user only). */
  settingsFile: z.string().nullable(),
});
export type AgentsStatus = z.infer<typeof AgentsStatus>;

export const settingsRequests = {
  agentsStatus: { input: Empty, output: AgentsStatus },
  connectAgents: { input: ConnectAgentsRequest, output: AgentsStatus },
  disconnectAgents: { input: Empty, output: AgentsStatus },
} as const satisfies Record<string, RequestSpec>;

export const settingsEvents = {
  /** The mode changed (connected, disconnected, drained, the remembered queue not reached at start). */
  agentsChanged: AgentsStatus,
} as const satisfies Record<string, z.ZodType>;
