/**
 * The headers every response of both doors carries (the HTTP server in browser mode and the
 * casebook:// protocol under Electron): a Content Security Policy fitted to the built renderer,
 * no MIME sniffing, no referrer, no framing, no cross-origin embedding.
 */

/**
 * What the built renderer needs: its own scripts, styles and images; inline `style` attributes
 * (Svelte templates set them); `data:` images (the empty favicon) and `blob:` images (figures);
 * fetch and the event stream to its own origin. Nothing else: no plugins, no `<base>`, no forms
 * posting anywhere, no framing by another page.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}
