/**
 * Which build of better-sqlite3 a runtime loads (Node's installed build, or Electron's cached one)
 * and the self-check that refuses a build of another module version — with real files: the
 * installed build, and copies of it whose `node_register_module_v<abi>` mark says another version.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bindingCacheRoot,
  bindingFor,
  cachedBinding,
  currentRuntime,
  moduleVersionOf,
  sqlitePackageDir,
} from '../../src/main/lab/store/native-binding';
import { tempDir } from '../helpers/lab';
import { buildFor, electron, installed, NODE_ABI } from '../helpers/native';
import { CASEBOOK_BIN, ensureBuilt } from '../helpers/runs';

describe('the module version of a native build', () => {
  it('is read from the installed build: the running Node’s', () => {
    expect(moduleVersionOf(installed)).toBe(NODE_ABI);
    expect(installed).toBe(join(sqlitePackageDir(), 'build', 'Release', 'better_sqlite3.node'));
  });

  it('is read from a build for another version, and is null for a file that is no addon', () => {
    const dir = tempDir();
    expect(moduleVersionOf(buildFor(electron.abi, join(dir, 'x.node')))).toBe(electron.abi);
    writeFileSync(join(dir, 'plain.node'), 'node_register_module_v and no digits');
    expect(moduleVersionOf(join(dir, 'plain.node'))).toBeNull();
  });

  it('of the Electron in package.json is what its package says and node-abi agrees', () => {
    const abiFile = join(dirname(createRequire(import.meta.url).resolve('electron/package.json')), 'abi_version');
    expect(Number(readFileSync(abiFile, 'utf8'))).toBe(electron.abi);
    expect(electron.abi).not.toBe(NODE_ABI);
  });
});

describe('the build a runtime loads', () => {
  it('under Node: the installed build', () => {
    const status = bindingFor(currentRuntime(), { installed, cacheRoot: tempDir() });
    expect(status).toEqual({ state: 'ok', file: installed, source: 'installed' });
  });

  it('under Electron: the cached build for its module version', () => {
    const cacheRoot = tempDir();
    const cached = buildFor(electron.abi, cachedBinding(cacheRoot, electron));
    expect(cached).toBe(
      join(cacheRoot, `electron-v${electron.abi}-${process.platform}-${process.arch}`, 'better_sqlite3.node'),
    );
    expect(bindingFor(electron, { installed, cacheRoot })).toEqual({ state: 'ok', file: cached, source: 'cached' });
  });

  it('under Electron with no cached build: missing, naming both versions and the command that gets it', () => {
    const cacheRoot = tempDir();
    const status = bindingFor(electron, { installed, cacheRoot });
    expect(status.state).toBe('missing');
    if (status.state === 'ok') return;
    expect(status.fix).toMatch(/^npx casebook setup-electron/);
    expect(status.message).toBe(
      `better-sqlite3 has no build for Electron ${electron.version} (NODE_MODULE_VERSION ${electron.abi}; the installed build is for ${NODE_ABI}): run \`${status.fix}\``,
    );
  });

  it('under Electron, an installed build already made for it (a packaged app) is used as it is', () => {
    const dir = tempDir();
    const rebuilt = buildFor(electron.abi, join(dir, 'build', 'Release', 'better_sqlite3.node'));
    expect(bindingFor(electron, { installed: rebuilt, cacheRoot: tempDir() })).toEqual({
      state: 'ok',
      file: rebuilt,
      source: 'installed',
    });
  });

  it('refuses a cached build of another version (a damaged cache)', () => {
    const cacheRoot = tempDir();
    const cached = cachedBinding(cacheRoot, electron);
    mkdirSync(dirname(cached), { recursive: true });
    copyFileSync(installed, cached);
    const status = bindingFor(electron, { installed, cacheRoot });
    expect(status.state).toBe('mismatch');
    if (status.state === 'ok') return;
    expect(status.message).toBe(
      `better-sqlite3's native module ${cached} was built for NODE_MODULE_VERSION ${NODE_ABI}, but Electron ${electron.version} needs ${electron.abi}: run \`${status.fix}\``,
    );
  });

  it('under Node, refuses a build for Electron with the command that rebuilds it', () => {
    const other = buildFor(electron.abi, join(tempDir(), 'better_sqlite3.node'));
    const status = bindingFor(currentRuntime(), { installed, cacheRoot: tempDir(), override: other });
    expect(status).toEqual({
      state: 'mismatch',
      file: other,
      fix: 'npm rebuild better-sqlite3',
      message: `better-sqlite3's native module ${other} was built for NODE_MODULE_VERSION ${electron.abi}, but Node.js ${process.versions.node} needs ${NODE_ABI}: run \`npm rebuild better-sqlite3\``,
    });
  });

  it('the cache lives beside the installed packages unless $CASEBOOK_NATIVE_CACHE says otherwise', () => {
    const packageDir = sqlitePackageDir();
    expect(bindingCacheRoot(packageDir, {})).toBe(join(dirname(packageDir), '.cache', 'casebook', 'better-sqlite3'));
    expect(bindingCacheRoot(packageDir, { CASEBOOK_NATIVE_CACHE: '/elsewhere' })).toBe('/elsewhere');
  });
});

describe('the self-check before a database opens', () => {
  beforeAll(ensureBuilt);

  it('turns a build of another version into one sentence, not a stack trace, and opens nothing', () => {
    const dir = tempDir();
    const other = buildFor(electron.abi, join(dir, 'better_sqlite3.node'));
    const db = join(dir, 'study.db');
    const result = spawnSync(process.execPath, [CASEBOOK_BIN, 'runs', '--db', db], {
      encoding: 'utf8',
      env: { ...process.env, CASEBOOK_SQLITE_BINDING: other },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `casebook: better-sqlite3's native module ${other} was built for NODE_MODULE_VERSION ${electron.abi}, but Node.js ${process.versions.node} needs ${NODE_ABI}: run \`npm rebuild better-sqlite3\`\n`,
    );
    expect(() => readFileSync(db)).toThrow(/ENOENT/);
    // the same command with the right build works
    const ok = spawnSync(process.execPath, [CASEBOOK_BIN, 'runs', '--db', db], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('No runs yet.\n');
  });
});
