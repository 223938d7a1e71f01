/**
 * The browser-mode session that outlives a restart: the port `casebook serve` last listened on and
 * the access token, kept beside the database in `<database>.serve.json` (mode 0600), so that a tab
 * left open reconnects to a restarted Casebook with the cookie it already has.
 *
 * The token is rotated (a new one written) when asked (`--new-token`), and whenever the file
 * cannot be trusted: unreadable, malformed, not owned by this user or readable by anyone else.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { errorMessage } from '../lab/jobs/errors';
import { secretFileProblem as permissionProblem, writeSecretFile } from '../lab/secret-file';

export interface ServeSession {
  /** The file the session is kept in. */
  file: string;
  token: string;
  /** The port to try first (the last one listened on), or null for any free port. */
  port: number | null;
  /** Why the token is new (null: reused from the file). */
  newTokenReason: string | null;
}

const TOKEN = /^[A-Za-z0-9_-]{32,128}$/;

/** The session file of a database: beside it, `<database>.serve.json`. */
export function sessionFile(databasePath: string): string {
  return `${databasePath}.serve.json`;
}

/** A fresh random token (24 bytes, base64url). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Reads the session of this database; a new token (with the reason) when the file is missing or not trusted. */
export function loadServeSession(databasePath: string, options: { newToken?: boolean } = {}): ServeSession {
  const file = sessionFile(databasePath);
  const fresh = (reason: string, port: number | null = null): ServeSession => ({
    file,
    token: newToken(),
    port,
    newTokenReason: reason,
  });
  let text: string;
  try {
    const untrusted = permissionProblem(file);
    if (untrusted !== null) return fresh(untrusted);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fresh(
      code === 'ENOENT' ? 'first start with this database' : `${file} is unreadable: ${errorMessage(error)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fresh(`${file} is not JSON`);
  }
  const { token, port } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const validPort = typeof port === 'number' && Number.isInteger(port) && port >= 1024 && port <= 65535 ? port : null;
  if (options.newToken === true) return fresh('--new-token', validPort);
  if (typeof token !== 'string' || !TOKEN.test(token)) return fresh(`${file} holds no valid token`, validPort);
  return { file, token, port: validPort, newTokenReason: null };
}

/**
 * Writes the session (token and port) readable by this user only; atomically, so a crash leaves
 * the old file or the new one. Returns the problem when it cannot be written (the session then
 * lasts this launch only), else null.
 */
export function saveServeSession(file: string, session: { token: string; port: number }): string | null {
  try {
    writeSecretFile(file, `${JSON.stringify({ token: session.token, port: session.port })}\n`);
    return null;
  } catch (error) {
    return `cannot remember the browser session in ${file}: ${errorMessage(error)}`;
  }
}
