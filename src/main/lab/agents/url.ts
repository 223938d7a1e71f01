/**
 * The Redis URL of an agent queue, checked before anything connects: reachable only with a
 * password or over TLS (`rediss://`), unless the user says `--insecure-local` for a Redis on this
 * machine's loopback.
 */
export interface QueueUrl {
  url: string;
  host: string;
  port: number;
  tls: boolean;
  /** The URL with its password replaced by `***`, for messages and logs. */
  display: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** How a message names the URL's field and the insecure-local switch: the CLI's flags, or a request's fields. */
export interface QueueUrlNames {
  field: string;
  insecureLocal: string;
}

const CLI_NAMES: QueueUrlNames = { field: '--queue', insecureLocal: '--insecure-local' };

export function checkQueueUrl(
  text: string,
  options: { insecureLocal?: boolean; names?: QueueUrlNames } = {},
): Checked<QueueUrl> {
  const { field, insecureLocal } = options.names ?? CLI_NAMES;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `${field}: "${text}" is not a URL; give redis://:password@host:6379 or rediss://…` };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return { ok: false, error: `${field}: ${url.protocol}// is not a Redis URL; give redis:// or rediss://` };
  const host = url.hostname;
  const tls = url.protocol === 'rediss:';
  const display = url.password ? text.replace(`:${url.password}@`, ':***@') : text;
  if (!tls && url.password === '') {
    if (!options.insecureLocal)
      return {
        ok: false,
        error:
          `${field}: ${display} has no password and no TLS; anyone who reaches it could feed jobs to the agents ` +
          `or read the study. Give redis://:password@host:port, rediss://…, or ${insecureLocal} for a Redis on this machine`,
      };
    if (!isLoopback(host))
      return {
        ok: false,
        error: `${field}: ${insecureLocal} is only for a Redis on this machine's loopback, not ${host}; give it a password or TLS`,
      };
  }
  const port = url.port === '' ? 6379 : Number(url.port);
  return { ok: true, value: { url: text, host, port, tls, display } };
}
