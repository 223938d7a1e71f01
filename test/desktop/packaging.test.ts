/** The installers' configuration: native modules rebuilt for Electron and kept out of the asar archive. */
import { readFileSync } from 'node:fs';
import { join, matchesGlob, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installedBinding } from '../../src/main/lab/store/native-binding';

const ROOT = join(import.meta.dirname, '..', '..');
const config = JSON.parse(readFileSync(join(ROOT, 'electron-builder.json'), 'utf8')) as {
  npmRebuild: boolean;
  files: string[];
  asarUnpack: string[];
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
};
const unpacked = (file: string): boolean => config.asarUnpack.some((glob) => matchesGlob(file, glob));

describe('electron-builder.json', () => {
  it('rebuilds native modules for Electron and unpacks them, the wasm binaries and the training and compute threads', () => {
    expect(config.npmRebuild).toBe(true);
    expect(unpacked(relative(ROOT, installedBinding()))).toBe(true);
    expect(unpacked('node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')).toBe(true);
    expect(unpacked('out/main/train-thread.js')).toBe(true);
    expect(unpacked('out/main/compute-thread.js')).toBe(true);
    expect(unpacked('out/main/index.js')).toBe(false);
    expect(config.files).toContain('out/**');
  });

  it('names the installers of each platform', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
  });
});
