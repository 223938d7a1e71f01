/** The app's own origin under Electron; no electron import, so pure code and tests can use it. */
export const SCHEME = 'casebook';
export const APP_ORIGIN = `${SCHEME}://app`;

/** True for a URL of the app's own page (casebook://app/…), not of a look-alike host. */
export function isAppUrl(url: string): boolean {
  return url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
}
