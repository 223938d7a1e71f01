import { protocol } from 'electron';
import { toFetchResponse } from '../doors/fetch-response';
import { routeStatic, text } from '../doors/static-route';
import { errorMessage } from '../lab/jobs/errors';
import type { Lab } from '../lab/lab';
import { SCHEME } from './origin';

/** Must run before the app is ready. */
export function registerScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
}

/** Serves the built renderer and stored images from casebook://app/… (the same route as the HTTP door). */
export function handleProtocol(lab: Lab, rendererDir: string): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return toFetchResponse(text(404, `not found: ${request.url}`));
    try {
      return toFetchResponse(await routeStatic({ lab, rendererDir }, request.method, url.pathname, url.search));
    } catch (error) {
      console.error(`casebook: ${request.url}:`, error);
      return toFetchResponse(text(500, `internal error: ${errorMessage(error)}`));
    }
  });
}
