/**
 * The app's remembered choice of Settings → "Train on agents": the queue's URL (with its password)
 * and the insecure-local switch, kept beside the study in `<database>.settings.json`, readable by
 * this user only (as `<database>.serve.json` keeps the browser token), never in the study itself.
 * The next start reconnects to it; the command line's `--queue` goes first.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { z } from 'zod';
import { errorMessage } from '../jobs/errors';
import { secretFileProblem, writeSecretFile } from '../secret-file';
import { AgentQueue } from './queue';
import { checkQueueUrl, type QueueUrl, type QueueUrlNames } from './url';

/** How the Settings' messages name what the user typed: the contract's fields. */
export const SETTINGS_NAMES: QueueUrlNames = {
  field: 'url',
  insecureLocal: 'insecureLocal ("A Redis on this machine without password or TLS")',
};

const Saved = z.strictObject({
  agents: z.strictObject({ url: z.string(), insecureLocal: z.boolean() }).nullable(),
});

export interface SavedAgents {
  url: string;
  insecureLocal: boolean;
}

/** The settings file of a database: beside it, `<database>.settings.json`. */
export function settingsFile(databasePath: string): string {
  return `${databasePath}.settings.json`;
}

/**
 * The remembered queue of a database: null when none is remembered (no file, or disconnected),
 * else its checked URL, or why it cannot be used (an untrusted or malformed file, a URL refused).
 */
export function loadSavedAgents(
  databasePath: string,
): { ok: true; value: QueueUrl | null } | { ok: false; error: string } {
  const file = settingsFile(databasePath);
  let text: string;
  try {
    const untrusted = secretFileProblem(file);
    if (untrusted !== null) return { ok: false, error: `${untrusted}: the remembered queue is not used` };
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: null };
    return { ok: false, error: `${file} is unreadable: ${errorMessage(error)}` };
  }
  let parsed: z.output<typeof Saved>;
  try {
    parsed = Saved.parse(JSON.parse(text));
  } catch {
    return { ok: false, error: `${file} is not a Casebook settings file: the remembered queue is not used` };
  }
  if (parsed.agents === null) return { ok: true, value: null };
  const checked = checkQueueUrl(parsed.agents.url, {
    insecureLocal: parsed.agents.insecureLocal,
    names: SETTINGS_NAMES,
  });
  return checked.ok ? checked : { ok: false, error: `${file}: ${checked.error}` };
}

/** Remembers the queue (null: none, jobs run locally) for the next start; throws when the file cannot be written. */
export function saveAgents(databasePath: string, agents: SavedAgents | null): void {
  const file = settingsFile(databasePath);
  if (agents === null) {
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return;
  }
  writeSecretFile(file, `${JSON.stringify({ agents }, null, 2)}\n`);
}

/** The queue a Lab starts with, as `LabOptions` take it. */
export interface StartAgents {
  agents?: AgentQueue;
  agentsSource?: 'settings' | 'command line';
  agentsProblem?: string;
}

/**
 * The queue to start with: the command line's (`--queue`; a failure to reach it stops the start,
 * as before), else the one remembered by Settings (a failure to reach it is told in Settings, and
 * jobs run locally until the user connects again).
 */
export async function startAgents(
  databasePath: string,
  commandLine: QueueUrl | null | undefined,
): Promise<StartAgents> {
  if (commandLine)
    return { agents: await AgentQueue.open({ url: commandLine, databasePath }), agentsSource: 'command line' };
  const saved = loadSavedAgents(databasePath);
  if (!saved.ok) return { agentsProblem: saved.error };
  if (saved.value === null) return {};
  try {
    return { agents: await AgentQueue.open({ url: saved.value, databasePath }), agentsSource: 'settings' };
  } catch (error) {
    return {
      agentsProblem: `could not reconnect to the remembered queue (${errorMessage(error)}); jobs run on this machine until you connect again`,
    };
  }
}
