/** The browser-mode session kept beside the database: reused, rotated when it cannot be trusted, private. */
import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServeSession, saveServeSession, sessionFile } from '../../src/main/web/session';
import { tempDir } from '../helpers/lab';

const posix = process.platform !== 'win32';

function database(): string {
  return join(tempDir('casebook-session-'), 'study.db');
}

describe('browser-mode session file', () => {
  it('starts with a new token and no port, then gives back what was saved', () => {
    const db = database();
    const first = loadServeSession(db);
    expect(first).toMatchObject({
      file: sessionFile(db),
      port: null,
      newTokenReason: 'first start with this database',
    });
    expect(first.token).toMatch(/^[\w-]{32}$/);
    expect(saveServeSession(first.file, { token: first.token, port: 41234 })).toBeNull();
    expect(loadServeSession(db)).toEqual({ file: first.file, token: first.token, port: 41234, newTokenReason: null });
  });

  it.runIf(posix)('is written readable by its owner only', () => {
    const db = database();
    const { file, token } = loadServeSession(db);
    expect(saveServeSession(file, { token, port: 40000 })).toBeNull();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('rotates the token on --new-token and keeps the port', () => {
    const db = database();
    const { file, token } = loadServeSession(db);
    saveServeSession(file, { token, port: 40001 });
    const renewed = loadServeSession(db, { newToken: true });
    expect(renewed.token).not.toBe(token);
    expect(renewed).toMatchObject({ port: 40001, newTokenReason: '--new-token' });
  });

  it.each([
    ['not JSON', '{"token": ', /is not JSON/],
    ['no token', '{"port": 40002}', /holds no valid token/],
    ['a short token', '{"token": "abc", "port": 40002}', /holds no valid token/],
  ])('rotates the token when the file holds %s', (_what, text, reason) => {
    const db = database();
    writeFileSync(sessionFile(db), text, { mode: 0o600 });
    const session = loadServeSession(db);
    expect(session.newTokenReason).toMatch(reason);
    expect(session.token).toMatch(/^[\w-]{32}$/);
  });

  it.runIf(posix)('rotates the token when others could read the file, and saving makes it private again', () => {
    const db = database();
    const { file, token } = loadServeSession(db);
    saveServeSession(file, { token, port: 40003 });
    chmodSync(file, 0o644);
    const session = loadServeSession(db);
    expect(session.token).not.toBe(token);
    expect(session.newTokenReason).toMatch(/readable by others \(mode 644\)/);
    expect(session.port).toBeNull();
    saveServeSession(file, { token: session.token, port: 40003 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ token: session.token, port: 40003 });
  });

  it.runIf(posix)('does not trust a symbolic link, and replaces it with a plain file on save', () => {
    const db = database();
    const target = `${db}.elsewhere.json`;
    writeFileSync(target, JSON.stringify({ token: 'b'.repeat(32), port: 40005 }), { mode: 0o600 });
    symlinkSync(target, sessionFile(db));
    const session = loadServeSession(db);
    expect(session.token).not.toBe('b'.repeat(32));
    expect(session.newTokenReason).toMatch(/is not a plain file/);
    saveServeSession(session.file, { token: session.token, port: 40005 });
    expect(lstatSync(session.file).isSymbolicLink()).toBe(false);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toMatchObject({ token: 'b'.repeat(32) });
  });

  it('ignores a port outside 1024–65535', () => {
    const db = database();
    writeFileSync(sessionFile(db), JSON.stringify({ token: 'a'.repeat(32), port: 80 }), { mode: 0o600 });
    expect(loadServeSession(db)).toMatchObject({ token: 'a'.repeat(32), port: null, newTokenReason: null });
  });

  it('says why when the file cannot be written', () => {
    const problem = saveServeSession(join(tempDir(), 'missing-folder', 'study.db.serve.json'), {
      token: 'a'.repeat(32),
      port: 40004,
    });
    expect(problem).toMatch(/cannot remember the browser session in .*missing-folder.*ENOENT/);
  });
});
