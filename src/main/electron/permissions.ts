/**
 * Which web permissions a page may have under Electron. Without a handler Electron grants every
 * request; Casebook's page uses none but writing figures to the clipboard, and only its own page
 * (casebook://app) may do that. Pure (no electron import) so it is tested without Electron.
 */
import { isAppUrl } from './origin';

export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** `requesting` is the requesting frame's URL (request handler) or origin (check handler). */
export function permissionAllowed(permission: string, requesting: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requesting);
}
