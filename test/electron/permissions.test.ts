import { describe, expect, it } from 'vitest';
import { permissionAllowed } from '../../src/main/electron/permissions';

describe('web permissions under Electron', () => {
  it('lets only the app page write figures to the clipboard', () => {
    expect(permissionAllowed('clipboard-sanitized-write', 'casebook://app/index.html')).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'casebook://app')).toBe(true);
    for (const other of [
      'https://evil.example/',
      'casebook://app.evil/index.html',
      'casebook://other/',
      'file:///',
      '',
    ]) {
      expect(permissionAllowed('clipboard-sanitized-write', other), other).toBe(false);
    }
  });

  it('denies every permission the app does not use, even to its own page', () => {
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'fullscreen',
      'display-capture',
      'hid',
      'usb',
      'serial',
      'fileSystem',
      'unknown',
    ]) {
      expect(permissionAllowed(permission, 'casebook://app/index.html'), permission).toBe(false);
    }
  });
});
