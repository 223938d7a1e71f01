/** `casebook doctor`: what this install can run, as the machine really is. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electron-binary.mjs';
import { runCli } from '../../src/main/cli';
import type { Doctor } from '../../src/main/desktop/doctor';
import { bindingCacheRoot, cachedBinding, installedBinding } from '../../src/main/lab/store/native-binding';
import { captureIo } from '../helpers/io';

describe('casebook doctor', () => {
  it('reports Node, Electron, both better-sqlite3 builds, the backend and Chromium as they are', async () => {
    const io = captureIo();
    expect(await runCli(['doctor', '--json'], io)).toBe(0);
    const report = JSON.parse(io.out()) as Doctor;
    expect(report.node).toEqual({
      version: process.versions.node,
      abi: Number(process.versions.modules),
      sqliteBinding: 'ok',
      sqliteFile: installedBinding(),
      fix: null,
    });
    const electronPackage = createRequire(import.meta.url).resolve('electron/package.json');
    const abi = Number(readFileSync(join(dirname(electronPackage), 'abi_version'), 'utf8'));
    const binary = electronBinary();
    const cached = cachedBinding(bindingCacheRoot(), {
      kind: 'electron',
      version: '',
      abi,
      platform: process.platform,
      arch: process.arch,
    });
    expect(report.electron).toMatchObject({
      version: (JSON.parse(readFileSync(electronPackage, 'utf8')) as { version: string }).version,
      abi,
      binary: 'path' in binary,
      sqliteBinding: existsSync(cached) ? 'ok' : 'missing',
      sqliteFile: cached,
    });
    expect(report.desktop).toBe('path' in binary && existsSync(cached));
    expect(report.electron.fix).toBe(report.desktop ? null : 'npx casebook setup-electron');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(report.backend.name);
    expect(report.backend.detail).toContain(`using ${report.backend.name}`);
    expect(report.chromium.found).toBe(existsSync(report.chromium.path));
  });

  it('says the same in words, with the command that gets what is missing', async () => {
    const io = captureIo();
    expect(await runCli(['doctor'], io)).toBe(0);
    expect(io.out()).toMatch(
      new RegExp(`^Node\\.js ${process.versions.node} \\(module version ${process.versions.modules}\\)$`, 'm'),
    );
    expect(io.out()).toMatch(
      /^ {2}desktop window: (yes|no, `npm start` starts browser mode — run `npx casebook setup-electron`)/m,
    );
    expect(io.out()).toMatch(/^Training backend: (tensorflow|wasm|cpu) /m);
  });
});
