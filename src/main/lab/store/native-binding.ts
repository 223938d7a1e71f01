// Which build of better-sqlite3's native module this process loads, checked before any database
// is opened. better-sqlite3 is not an N-API addon: a build serves one NODE_MODULE_VERSION (the
// "ABI": Node 20 is 115, Electron 45 is 150), and loading another dies with a stack trace. So two
// builds live side by side: the one npm installed (Node's, for the CLI, `casebook serve` and the
// tests) and, for the desktop app, one per Electron ABI in a cache folder
// (node_modules/.cache/casebook/better-sqlite3/electron-v<abi>-<platform>-<arch>/), fetched or
// built by `casebook setup-electron` (and `npm start`). A build's ABI is read from the file itself
// — the addon exports `node_register_module_v<abi>` — so the check needs no loading.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The JavaScript runtime a binding is for. */
export interface Runtime {
  kind: 'node' | 'electron';
  /** Node's or Electron's version, e.g. "20.20.2" or "45.5.0". */
  version: string;
  /** Its NODE_MODULE_VERSION. */
  abi: number;
  platform: NodeJS.Platform;
  arch: string;
}

/** What a runtime would load, and whether that can work. */
export type BindingStatus =
  | { state: 'ok'; file: string; source: 'installed' | 'cached' | 'override' }
  | { state: 'missing' | 'mismatch'; file: string | null; message: string; fix: string };

export class SqliteBindingError extends Error {
  override name = 'SqliteBindingError';
}

/** The runtime of this process: Electron's main or utility process, or Node. */
export function currentRuntime(): Runtime {
  const electron = process.versions.electron;
  return {
    kind: electron ? 'electron' : 'node',
    version: electron ?? process.versions.node,
    abi: Number(process.versions.modules),
    platform: process.platform,
    arch: process.arch,
  };
}

/** "Electron 45.5.0" or "Node.js 20.20.2". */
export function runtimeLabel(runtime: Runtime): string {
  return `${runtime.kind === 'electron' ? 'Electron' : 'Node.js'} ${runtime.version}`;
}

const REGISTER = Buffer.from('node_register_module_v', 'latin1');

/**
 * The NODE_MODULE_VERSION a native addon was built for, read from the name of the entry point
 * every non-N-API addon exports (`node_register_module_v115`), or null when the file has none
 * (an N-API addon, or not an addon at all). Throws when the file cannot be read.
 */
export function moduleVersionOf(file: string): number | null {
  const bytes = readFileSync(file);
  for (let at = bytes.indexOf(REGISTER); at >= 0; at = bytes.indexOf(REGISTER, at + 1)) {
    let end = at + REGISTER.length;
    const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= 0x30 && byte <= 0x39;
    while (isDigit(bytes[end])) end += 1;
    if (end > at + REGISTER.length) return Number(bytes.toString('latin1', at + REGISTER.length, end));
  }
  return null;
}

/** better-sqlite3's package folder. */
export function sqlitePackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
}

/** The build npm installed (found the way better-sqlite3 finds it, with its `bindings` helper). */
export function installedBinding(packageDir: string = sqlitePackageDir()): string {
  const bindings = createRequire(join(packageDir, 'package.json'))('bindings') as (options: {
    bindings: string;
    module_root: string;
    path: true;
  }) => string;
  return bindings({ bindings: 'better_sqlite3.node', module_root: packageDir, path: true });
}

/** Where builds for other runtimes are kept: `$CASEBOOK_NATIVE_CACHE`, else node_modules/.cache/casebook/better-sqlite3. */
export function bindingCacheRoot(
  packageDir: string = sqlitePackageDir(),
  env: NodeJS.ProcessEnv = process.env,
): string {
  return env.CASEBOOK_NATIVE_CACHE ?? join(dirname(packageDir), '.cache', 'casebook', 'better-sqlite3');
}

/** The cached build's path for a runtime: `<root>/electron-v150-linux-x64/better_sqlite3.node`. */
export function cachedBinding(cacheRoot: string, runtime: Runtime): string {
  return join(cacheRoot, `${runtime.kind}-v${runtime.abi}-${runtime.platform}-${runtime.arch}`, 'better_sqlite3.node');
}

/** The command that gets a working build for a runtime. */
export function bindingFix(runtime: Runtime): string {
  return runtime.kind === 'electron'
    ? 'npx casebook setup-electron (needs the internet once)'
    : 'npm rebuild better-sqlite3';
}

function mismatch(runtime: Runtime, file: string, built: number): BindingStatus {
  const fix = bindingFix(runtime);
  return {
    state: 'mismatch',
    file,
    fix,
    message: `better-sqlite3's native module ${file} was built for NODE_MODULE_VERSION ${built}, but ${runtimeLabel(runtime)} needs ${runtime.abi}: run \`${fix}\``,
  };
}

/** Whether `file` was built for the runtime (a file with no version mark is given the benefit of the doubt). */
function check(runtime: Runtime, file: string, source: 'installed' | 'cached' | 'override'): BindingStatus {
  const built = moduleVersionOf(file);
  return built === null || built === runtime.abi ? { state: 'ok', file, source } : mismatch(runtime, file, built);
}

export interface BindingPlaces {
  /** The build npm installed. */
  installed: string;
  /** The folder of cached builds (bindingCacheRoot). */
  cacheRoot: string;
  /** A build named by $CASEBOOK_SQLITE_BINDING, used as it is (and checked). */
  override?: string | undefined;
}

/**
 * Which build a runtime loads: the one named by the override if any; else the installed build
 * when it was built for the runtime (always so under Node after `npm install`; in a packaged app,
 * whose installed build was rebuilt for Electron); else, under Electron, the cached build for its
 * ABI. Never throws for a missing or unusable build: it answers why, and the command that fixes it.
 */
export function bindingFor(runtime: Runtime, places: BindingPlaces): BindingStatus {
  if (places.override) {
    if (!existsSync(places.override)) {
      return {
        state: 'missing',
        file: places.override,
        fix: 'unset CASEBOOK_SQLITE_BINDING',
        message: `CASEBOOK_SQLITE_BINDING names ${places.override}, which does not exist`,
      };
    }
    return check(runtime, places.override, 'override');
  }
  const installed = check(runtime, places.installed, 'installed');
  if (installed.state === 'ok' || runtime.kind === 'node') return installed;
  const cached = cachedBinding(places.cacheRoot, runtime);
  if (existsSync(cached)) return check(runtime, cached, 'cached');
  const fix = bindingFix(runtime);
  return {
    state: 'missing',
    file: cached,
    fix,
    message: `better-sqlite3 has no build for ${runtimeLabel(runtime)} (NODE_MODULE_VERSION ${runtime.abi}; the installed build is for ${moduleVersionOf(places.installed) ?? 'another version'}): run \`${fix}\``,
  };
}

let chosen: string | undefined;

/**
 * The build this process loads, checked once: pass it as better-sqlite3's `nativeBinding`.
 * Throws SqliteBindingError — one sentence naming both module versions and the command that fixes
 * it — when no build fits this runtime.
 */
export function sqliteBinding(): string {
  if (chosen !== undefined) return chosen;
  let status: BindingStatus;
  try {
    const packageDir = sqlitePackageDir();
    status = bindingFor(currentRuntime(), {
      installed: installedBinding(packageDir),
      cacheRoot: bindingCacheRoot(packageDir),
      override: process.env.CASEBOOK_SQLITE_BINDING,
    });
  } catch (error) {
    throw new SqliteBindingError(
      `better-sqlite3's native module cannot be found (${(error as Error).message.split('\n')[0]}): run \`npm rebuild better-sqlite3\``,
    );
  }
  if (status.state !== 'ok') throw new SqliteBindingError(status.message);
  chosen = status.file;
  return chosen;
}
