/** A route's answer as a fetch `Response` with the security headers: what the casebook:// protocol returns. */
import { securityHeaders } from './security-headers';
import type { RouteResponse } from './static-route';

export function toFetchResponse(route: RouteResponse): Response {
  const body = typeof route.body === 'string' ? route.body : new Uint8Array(route.body);
  return new Response(body, { status: route.status, headers: { ...securityHeaders(), ...route.headers } });
}
