/** `npm start` tries the Electron download once, remembers a failure, and tries again only when asked or after a week. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  clearMarker,
  downloadDecision,
  howToGetElectron,
  markerPath,
  readMarker,
  RETRY_AFTER_MS,
  writeMarker,
} from '../../scripts/electron-binary.mjs';
import { tempDir } from '../helpers/lab';

const failedAt = '2026-03-01T10:00:00.000Z';
const failure = { failedAt, reason: 'getaddrinfo ENOTFOUND github.com' };
const at = (ms: number): number => Date.parse(failedAt) + ms;

describe('whether npm start downloads the Electron binary', () => {
  it('tries when no download has failed before', () => {
    expect(downloadDecision({ marker: null, now: at(0) })).toEqual({
      attempt: true,
      why: 'no earlier download failed',
    });
  });

  it('does not try again within a week of a failure, and says when it failed and why', () => {
    expect(downloadDecision({ marker: failure, now: at(60_000) })).toEqual({
      attempt: false,
      why: `the download failed on ${failedAt}: getaddrinfo ENOTFOUND github.com`,
    });
    expect(downloadDecision({ marker: failure, now: at(RETRY_AFTER_MS - 1) }).attempt).toBe(false);
  });

  it('tries again after a week', () => {
    expect(RETRY_AFTER_MS).toBe(7 * 24 * 3600 * 1000);
    expect(downloadDecision({ marker: failure, now: at(RETRY_AFTER_MS) })).toEqual({
      attempt: true,
      why: 'the last failed download is over a week old',
    });
  });

  it('tries again when asked with --retry-electron, whatever the marker says', () => {
    expect(downloadDecision({ marker: failure, now: at(1), retry: true })).toEqual({
      attempt: true,
      why: 'asked to with --retry-electron',
    });
  });

  it('tries when the marker is unreadable, never with CASEBOOK_NO_ELECTRON=1', () => {
    expect(downloadDecision({ marker: 'unreadable', now: at(0) }).attempt).toBe(true);
    expect(downloadDecision({ marker: null, now: at(0), retry: true, disabled: true })).toEqual({
      attempt: false,
      why: 'CASEBOOK_NO_ELECTRON=1 is set',
    });
  });
});

describe('the failure marker', () => {
  it('lives under node_modules/.cache/casebook and round-trips the reason and time', () => {
    const root = tempDir('casebook-marker-');
    const file = markerPath(root);
    expect(file).toBe(join(root, 'node_modules', '.cache', 'casebook', 'electron-download.json'));
    expect(readMarker(file)).toBeNull();
    writeMarker(file, failure);
    expect(readMarker(file)).toEqual(failure);
    clearMarker(file);
    expect(readMarker(file)).toBeNull();
  });

  it('reads a damaged marker as unreadable', () => {
    const file = join(tempDir('casebook-marker-'), 'electron-download.json');
    for (const text of ['{', '{"failedAt": "yesterday", "reason": "x"}', '{"failedAt": "2026-03-01T10:00:00Z"}']) {
      writeFileSync(file, text);
      expect(readMarker(file)).toBe('unreadable');
    }
  });

  it('names both ways to get the binary and how to retry', () => {
    const text = howToGetElectron('/x/electron-download.json');
    expect(text).toContain('npx install-electron');
    expect(text).toContain('ELECTRON_OVERRIDE_DIST_PATH');
    expect(text).toContain('npm start -- --retry-electron');
    expect(text).toContain('/x/electron-download.json');
  });
});
