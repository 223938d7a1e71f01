// What the desktop app needs before its window can open, got once: the Electron binary (electron
// downloads it lazily) and better-sqlite3's build for Electron's module version. `npm start` and
// `casebook setup-electron` run this; a failed download of either is remembered (like the
// binary's, scripts/electron-binary.mjs) so an offline machine does not wait for it at every
// start, and tried again with --retry-electron or after a week.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  clearMarker,
  downloadDecision,
  electronBinary,
  howToGetElectron,
  installElectron,
  markerPath,
  readMarker,
  writeMarker,
} from '../../../scripts/electron-binary.mjs';
import {
  bindingCacheRoot,
  bindingFor,
  installedBinding,
  runtimeLabel,
  sqlitePackageDir,
  type Runtime,
} from '../lab/store/native-binding';
import { getElectronSqlite, type BuildStep } from './electron-sqlite';

/** The Electron that package.json installs: its version and module version (from its own `abi_version`). */
export function electronTarget(): Runtime | null {
  let packageFile: string;
  try {
    packageFile = createRequire(import.meta.url).resolve('electron/package.json');
  } catch {
    return null;
  }
  const version = (JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string }).version;
  const abiFile = join(dirname(packageFile), 'abi_version');
  const abi = existsSync(abiFile) ? Number(readFileSync(abiFile, 'utf8').trim()) : Number.NaN;
  if (!Number.isInteger(abi)) return null;
  return { kind: 'electron', version, abi, platform: process.platform, arch: process.arch };
}

/** The folder holding node_modules (the project, or the packaged app), where the failures are remembered. */
export function appRoot(): string {
  return dirname(dirname(sqlitePackageDir()));
}

/** Where a failed fetch of better-sqlite3's Electron build is remembered. */
export function sqliteMarkerPath(root: string): string {
  return join(dirname(markerPath(root)), 'electron-sqlite.json');
}

export function howToGetElectronSqlite(target: Runtime, file: string): string {
  return [
    `To get better-sqlite3 for ${runtimeLabel(target)}: run \`npx casebook setup-electron\` where the internet is reachable`,
    "(it downloads better-sqlite3's prebuilt module for that Electron, or builds it from source with a C++ toolchain);",
    `\`npm start -- --retry-electron\` tries again too (or delete ${file}). Casebook tries again by itself after a week.`,
  ].join('\n');
}

export interface PrepareOptions {
  /** The app's root (where node_modules is). */
  root: string;
  /** Try downloads again even when one failed before (--retry-electron, setup-electron). */
  retry: boolean;
  /** CASEBOOK_NO_ELECTRON=1: do not try to download the binary. */
  disabled?: boolean;
  log: (line: string) => void;
  now?: number;
  /** How to get the build (tests); default prebuild, then rebuild. */
  steps?: readonly BuildStep[];
}

export type Prepared =
  { ok: true; electron: string; target: Runtime; sqlite: string } | { ok: false; reason: string; howTo: string };

async function binary(options: PrepareOptions): Promise<{ path: string } | { reason: string; howTo: string }> {
  const found = electronBinary();
  if ('path' in found) return found;
  const marker = markerPath(options.root);
  const howTo = howToGetElectron(marker);
  const decision = downloadDecision({
    marker: readMarker(marker),
    now: options.now ?? Date.now(),
    retry: options.retry,
    disabled: options.disabled ?? false,
  });
  if (!decision.attempt) {
    if (!options.disabled) options.log(`Not downloading the Electron binary: ${decision.why}.`);
    return { reason: found.reason, howTo };
  }
  options.log(`Electron binary missing: trying to download it (${decision.why})…`);
  const installed = await installElectron();
  if (installed.ok) {
    clearMarker(marker);
    const now = electronBinary();
    return 'path' in now ? now : { reason: now.reason, howTo };
  }
  options.log(`The Electron download failed: ${installed.reason}`);
  try {
    writeMarker(marker, { failedAt: new Date(options.now ?? Date.now()).toISOString(), reason: installed.reason });
    options.log('Casebook will not try again at each start.');
  } catch (error) {
    options.log(`Cannot remember the failure in ${marker} (${(error as Error).message}): the next start tries again.`);
  }
  return { reason: found.reason, howTo };
}

/**
 * better-sqlite3's build for `target`, fetched (or built) when the cache lacks it and no recent
 * failure says it cannot be had; a failure is remembered. Never rejects for a failed download.
 */
export async function ensureElectronSqlite(
  target: Runtime,
  options: PrepareOptions & { cacheRoot?: string },
): Promise<{ ok: true; file: string } | { ok: false; reason: string; howTo: string }> {
  const packageDir = sqlitePackageDir();
  const cacheRoot = options.cacheRoot ?? bindingCacheRoot(packageDir);
  const status = bindingFor(target, { installed: installedBinding(packageDir), cacheRoot });
  if (status.state === 'ok') return { ok: true, file: status.file };

  const marker = sqliteMarkerPath(options.root);
  const howTo = howToGetElectronSqlite(target, marker);
  const now = options.now ?? Date.now();
  const decision = downloadDecision({ marker: readMarker(marker), now, retry: options.retry });
  if (!decision.attempt) {
    return {
      ok: false,
      reason: `better-sqlite3 has no build for ${runtimeLabel(target)} (module version ${target.abi}), and ${decision.why}`,
      howTo,
    };
  }
  try {
    const got = await getElectronSqlite({
      target,
      packageDir,
      cacheRoot,
      log: options.log,
      ...(options.steps ? { steps: options.steps } : {}),
    });
    clearMarker(marker);
    return { ok: true, file: got.file };
  } catch (error) {
    const reason = (error as Error).message;
    try {
      writeMarker(marker, { failedAt: new Date(now).toISOString(), reason });
    } catch (markerError) {
      options.log(
        `Cannot remember the failure in ${marker} (${(markerError as Error).message}): the next start tries again.`,
      );
    }
    return { ok: false, reason, howTo };
  }
}

/**
 * Gets what the desktop app lacks (the Electron binary, then better-sqlite3's build for it) and
 * says what it does. Resolves to the binary to launch, or to why the window cannot open and how
 * to get what is missing; never rejects for a failed download.
 */
export async function prepareDesktop(options: PrepareOptions): Promise<Prepared> {
  const electron = await binary(options);
  if (!('path' in electron)) return { ok: false, reason: electron.reason, howTo: electron.howTo };
  const target = electronTarget();
  if (target === null) {
    return {
      ok: false,
      reason: 'the installed electron package does not say its module version (no abi_version file)',
      howTo: 'Reinstall it: `npm install`.',
    };
  }
  const sqlite = await ensureElectronSqlite(target, options);
  return sqlite.ok ? { ok: true, electron: electron.path, target, sqlite: sqlite.file } : sqlite;
}
