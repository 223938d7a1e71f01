import { AgentQueue } from '../lab/agents/queue';
import { checkQueueUrl, type QueueUrl } from '../lab/agents/url';
import { UsageError } from './args';

/** `--queue <url>` and `--insecure-local`, for every command that talks to the agents' queue. */
export const QUEUE_OPTIONS = {
  queue: { type: 'string' },
  'insecure-local': { type: 'boolean', default: false },
} as const;

export const QUEUE_HELP = `  --queue <url>         train on agents through this Redis (redis://:password@host:6379 or
                        rediss://…); without it, jobs run in the local worker as always
  --insecure-local      allow a Redis without password or TLS, on this machine's loopback only`;

/** The checked queue URL of a command line, or undefined without `--queue`. */
export function queueUrl(values: {
  queue?: string | undefined;
  'insecure-local'?: boolean | undefined;
}): QueueUrl | undefined {
  if (values.queue === undefined) {
    if (values['insecure-local']) throw new UsageError('--insecure-local goes with --queue');
    return undefined;
  }
  const checked = checkQueueUrl(values.queue, { insecureLocal: values['insecure-local'] === true });
  if (!checked.ok) throw new UsageError(checked.error);
  return checked.value;
}

/** The agents' queue of a study, when the command line names one. */
export async function openAgents(
  values: { queue?: string | undefined; 'insecure-local'?: boolean | undefined },
  databasePath: string,
): Promise<AgentQueue | undefined> {
  const url = queueUrl(values);
  return url ? AgentQueue.open({ url, databasePath }) : undefined;
}
