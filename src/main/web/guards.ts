/**
 * What a state-changing request (every POST to the API) must show before it is carried out,
 * beyond the token: that a page of this server sent it, and that its body is declared JSON.
 * Each check returns why it refuses, or null.
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * A browser names the page that sent a request: `Origin` must then be this server itself, and
 * `Sec-Fetch-Site` (where sent) `same-origin` or `none` (typed by the user). A request with
 * neither header does not come from a web page (curl, a script with `Authorization: Bearer`).
 */
export function crossSiteRefusal(headers: IncomingHttpHeaders, port: number): string | null {
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
    return `request from another site refused: Origin ${origin} is not this Casebook (http://127.0.0.1:${port})`;
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `request from another site refused: Sec-Fetch-Site is ${site}`;
  }
  return null;
}

/** The body must be declared `application/json` (parameters such as charset allowed). */
export function contentTypeRefusal(headers: IncomingHttpHeaders): string | null {
  const given = headers['content-type'];
  const type = given?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return null;
  return `Content-Type must be application/json, not ${given === undefined ? 'missing' : given}`;
}
