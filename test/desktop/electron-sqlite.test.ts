/**
 * Getting better-sqlite3's build for Electron into the cache: step by step, checked for its module
 * version before it is kept, with a failure remembered so an offline start does not wait for it
 * again — and the installed (Node) build never touched.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  failure,
  getElectronSqlite,
  prebuildStep,
  rebuildStep,
  type BuildStep,
} from '../../src/main/desktop/electron-sqlite';
import { ensureElectronSqlite, sqliteMarkerPath } from '../../src/main/desktop/prepare';
import {
  cachedBinding,
  moduleVersionOf,
  sqlitePackageDir,
  type Runtime,
} from '../../src/main/lab/store/native-binding';
import { tempDir } from '../helpers/lab';
import { buildFor, electron, installed } from '../helpers/native';

const packageDir = sqlitePackageDir();
const target: Runtime = electron;
const version = electron.version;

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A step that leaves a copy of the installed build marked for `abi` where a real build would be. */
function fakeStep(name: string, abi: number, calls: string[] = []): BuildStep {
  return {
    name,
    says: `pretending (${name})`,
    run({ dir, target: wanted }) {
      calls.push(name);
      expect(wanted).toEqual(target);
      // the copy has the package's sources but not its build
      expect(existsSync(join(dir, 'binding.gyp'))).toBe(true);
      expect(existsSync(join(dir, 'build'))).toBe(false);
      buildFor(abi, join(dir, 'build', 'Release', 'better_sqlite3.node'));
      return Promise.resolve();
    },
  };
}

function failingStep(name: string, reason: string, calls: string[] = []): BuildStep {
  return {
    name,
    says: `failing (${name})`,
    run() {
      calls.push(name);
      return Promise.reject(new Error(reason));
    },
  };
}

describe('getting better-sqlite3 for Electron', () => {
  it('falls back to the next step, keeps a checked build in the cache with its manifest, and leaves npm’s build alone', async () => {
    const before = sha(installed);
    const cacheRoot = tempDir();
    const lines: string[] = [];
    const got = await getElectronSqlite({
      target,
      packageDir,
      cacheRoot,
      steps: [failingStep('prebuild', 'getaddrinfo ENOTFOUND github.com'), fakeStep('rebuild', 150)],
      log: (line) => lines.push(line),
    });
    expect(got.file).toBe(cachedBinding(cacheRoot, target));
    expect(got.source).toBe('rebuild');
    expect(moduleVersionOf(got.file)).toBe(150);
    const manifest = JSON.parse(readFileSync(join(got.file, '..', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ electron: version, abi: 150, source: 'rebuild', platform: process.platform });
    expect(sha(installed)).toBe(before);
    expect(lines.join('\n')).toMatch(/prebuild failed after \d+\.\d s \(getaddrinfo ENOTFOUND github\.com\)/);
    expect(lines.at(-1)).toMatch(/done by rebuild in \d+\.\d s/);
  });

  it('refuses a build of the wrong module version and keeps nothing; every reason is given', async () => {
    const cacheRoot = tempDir();
    await expect(
      getElectronSqlite({
        target,
        packageDir,
        cacheRoot,
        steps: [fakeStep('prebuild', 151), failingStep('rebuild', 'gyp ERR! find Python')],
      }),
    ).rejects.toThrow(
      `no build of better-sqlite3 for Electron ${version} could be had (prebuild: it gave a module for version 151, not 150; rebuild: gyp ERR! find Python)`,
    );
    expect(readdirSync(cacheRoot)).toEqual([]);
  });

  it('the real prebuild step asks for better-sqlite3’s prebuild for this Electron and platform', async () => {
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
    await realStep(
      prebuildStep,
      `prebuild: https://github.com/WiseLibs/better-sqlite3/releases/download/v${pkg.version}/better-sqlite3-v${pkg.version}-electron-v150-${process.platform}-${process.arch}.tar.gz: `,
    );
  });

  it(
    'the real rebuild step builds against this Electron’s headers, not Node’s',
    async () => {
      await realStep(
        rebuildStep,
        `rebuild: https://electronjs.org/headers/v${version}/node-v${version}-headers.tar.gz: `,
      );
    },
    20 * 60_000,
  );
});

/**
 * Runs a real step: where the internet is reachable it gives Electron's module version; offline it
 * says which file it could not get, and the cache stays empty.
 */
async function realStep(step: BuildStep, offlineReason: string): Promise<void> {
  const cacheRoot = tempDir();
  const got = await getElectronSqlite({ target, packageDir, cacheRoot, steps: [step] }).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error: error as Error }),
  );
  if (got.ok) {
    expect(moduleVersionOf(got.result.file)).toBe(150);
  } else {
    expect(got.error.message).toContain(offlineReason);
    expect(readdirSync(cacheRoot)).toEqual([]);
  }
}

describe('why a download or build failed', () => {
  it('names the file and the error of prebuild-install and of node-gyp', () => {
    expect(
      failure(
        [
          'prebuild-install info looking for cached prebuild @ /root/.npm/_prebuilds/x.tar.gz',
          'prebuild-install http request GET https://example.org/a.tar.gz',
          'prebuild-install warn install getaddrinfo ENOTFOUND example.org',
        ].join('\n'),
      ),
    ).toBe('https://example.org/a.tar.gz: getaddrinfo ENOTFOUND example.org');
    expect(
      failure(
        [
          'gyp http GET https://electronjs.org/headers/v1/node-v1-headers.tar.gz',
          'gyp WARN install got an error, rolling back install',
          'gyp ERR! configure error ',
          'gyp ERR! stack Error: This is related to network connectivity.',
          'gyp ERR! stack Check your proxy.',
          'gyp ERR! stack at go (/usr/lib/install.js:244:21)',
          'gyp ERR! not ok ',
        ].join('\n'),
      ),
    ).toBe(
      'https://electronjs.org/headers/v1/node-v1-headers.tar.gz: This is related to network connectivity. Check your proxy.',
    );
    expect(failure('gyp ERR! find Python\ngyp ERR! not ok')).toBe('gyp ERR! find Python / gyp ERR! not ok');
  });
});

describe('ensuring the build before the window opens', () => {
  it('remembers a failure, does not try again at the next start, and tries again when asked', async () => {
    const root = tempDir();
    const cacheRoot = tempDir();
    const calls: string[] = [];
    const options = {
      root,
      cacheRoot,
      retry: false,
      log: (): void => undefined,
      now: Date.parse('2026-12-01T10:00:00Z'),
    };
    const first = await ensureElectronSqlite(target, {
      ...options,
      steps: [failingStep('prebuild', 'getaddrinfo ENOTFOUND github.com', calls)],
    });
    expect(first.ok).toBe(false);
    if (first.ok) return;
    expect(first.reason).toContain('prebuild: getaddrinfo ENOTFOUND github.com');
    expect(first.howTo).toContain('npx casebook setup-electron');
    expect(existsSync(sqliteMarkerPath(root))).toBe(true);

    const second = await ensureElectronSqlite(target, {
      ...options,
      now: options.now + 60_000,
      steps: [failingStep('prebuild', 'never called', calls)],
    });
    expect(calls).toEqual(['prebuild']);
    expect(second).toMatchObject({
      ok: false,
      reason: `better-sqlite3 has no build for Electron ${version} (module version 150), and the download failed on 2026-12-01T10:00:00.000Z: no build of better-sqlite3 for Electron ${version} could be had (prebuild: getaddrinfo ENOTFOUND github.com)`,
    });

    const third = await ensureElectronSqlite(target, {
      ...options,
      retry: true,
      steps: [fakeStep('prebuild', 150, calls)],
    });
    expect(third).toEqual({ ok: true, file: cachedBinding(cacheRoot, target) });
    expect(existsSync(sqliteMarkerPath(root))).toBe(false);
    // and once it is there, nothing is fetched again
    const fourth = await ensureElectronSqlite(target, { ...options, steps: [failingStep('prebuild', 'no', calls)] });
    expect(fourth.ok).toBe(true);
    expect(calls).toEqual(['prebuild', 'prebuild']);
  });
});
