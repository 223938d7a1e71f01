// Finds the Electron binary without triggering electron's lazy download, tries the download
// (once: a failure is remembered, see downloadDecision), and says how to get it.
// electronBinary() returns { path } when it can run here, or { reason } when it cannot.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function electronBinary() {
  const require = createRequire(import.meta.url);
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override
    ? join(override, relative ?? 'electron')
    : relative
      ? join(pkgDir, 'dist', relative)
      : null;
  if (candidate && existsSync(candidate)) return { path: candidate };
  return { reason: `the Electron binary is not present (looked in ${candidate ?? join(pkgDir, 'dist')})` };
}

/**
 * Tries electron's own installer once (it downloads the binary).
 * Returns { ok: true } when the binary is then present, else { ok: false, reason }.
 */
export async function installElectron() {
  const { spawnSync } = await import('node:child_process');
  const require = createRequire(import.meta.url);
  const installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
  const result = spawnSync(process.execPath, [installer], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
    encoding: 'utf8',
  });
  if (result.status === 0 && 'path' in electronBinary()) return { ok: true };
  if (result.error) return { ok: false, reason: result.error.message };
  const said = `${result.stderr ?? ''}\n${result.stdout ?? ''}`
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const reason =
    said.find((line) => /error/i.test(line)) ?? said.at(-1) ?? `the installer exited with ${result.status}`;
  return { ok: false, reason: reason.slice(0, 300) };
}

// A failed download is remembered, so `npm start` does not wait for it again at every start.

/** A remembered failure is tried again after a week. */
export const RETRY_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

/** Where the failure is remembered: node_modules/.cache/casebook/electron-download.json under `root`. */
export function markerPath(root) {
  return join(root, 'node_modules', '.cache', 'casebook', 'electron-download.json');
}

/** The remembered failure: { failedAt, reason }, null when there is none, 'unreadable' when it is damaged. */
export function readMarker(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return error.code === 'ENOENT' ? null : 'unreadable';
  }
  try {
    const { failedAt, reason } = JSON.parse(text);
    if (typeof failedAt !== 'string' || Number.isNaN(Date.parse(failedAt)) || typeof reason !== 'string') {
      return 'unreadable';
    }
    return { failedAt, reason };
  } catch {
    return 'unreadable';
  }
}

/** Remembers a failed download (the reason and the time). */
export function writeMarker(file, failure) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(failure, null, 2)}\n`);
}

/** Forgets a failure (the binary is there now). */
export function clearMarker(file) {
  rmSync(file, { force: true });
}

/**
 * Whether `npm start` should try to download the Electron binary, and why: a pure decision.
 * `marker` is what readMarker returned; `now` a time in ms; `retry` true for --retry-electron;
 * `disabled` true for CASEBOOK_NO_ELECTRON=1.
 */
export function downloadDecision({ marker, now, retry = false, disabled = false }) {
  if (disabled) return { attempt: false, why: 'CASEBOOK_NO_ELECTRON=1 is set' };
  if (retry) return { attempt: true, why: 'asked to with --retry-electron' };
  if (marker === null) return { attempt: true, why: 'no earlier download failed' };
  if (marker === 'unreadable') return { attempt: true, why: 'the record of the last failure is unreadable' };
  const age = now - Date.parse(marker.failedAt);
  if (age >= RETRY_AFTER_MS) return { attempt: true, why: 'the last failed download is over a week old' };
  return { attempt: false, why: `the download failed on ${marker.failedAt}: ${marker.reason}` };
}

/** How to get the binary, for the messages of `npm start`. */
export function howToGetElectron(file) {
  return [
    'To get the desktop window: run `npx install-electron` where the internet is reachable,',
    'or set ELECTRON_OVERRIDE_DIST_PATH to a folder holding an Electron build;',
    `then \`npm start -- --retry-electron\` (or delete ${file}). Casebook tries again by itself after a week.`,
  ].join('\n');
}
