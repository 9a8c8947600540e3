/**
 * Rendering answers as HTTP responses: Kubernetes JSON (`application/json`), `Warning: 299 - "…"` headers,
 * `Retry-After` for throttling Statuses, plain text for string bodies (pod logs).
 */
import type { ApiResponse } from '../core/handler.js';
import { objectJson } from '../core/object-json.js';
import { isStatus } from './status.js';

/**
 * An answer as the HTTP front renders it: the handler's ApiResponse plus optional warnings, each sent as a
 * `Warning: 299 - "<text>"` header (kubectl prints `Warning: <text>` on stderr). Handlers that want warnings
 * return this shape; the bus front ignores the extra field.
 */
export interface HttpApiResponse extends ApiResponse {
  readonly warnings?: readonly string[];
}

/** `299 - "<text>"` with quotes and backslashes escaped (RFC 7234 §5.5 quoted-string). */
export function warningHeader(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return `299 - "${clean.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

/** A JSON response with the given status code and extra headers. */
export function jsonResponse(code: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: code,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Renders an answer: JSON (or text for a string body), warnings, Retry-After on Statuses that carry it. */
export function renderResponse(res: HttpApiResponse): Response {
  const headers = new Headers();
  for (const w of res.warnings ?? []) headers.append('warning', warningHeader(w));
  if (isStatus(res.body)) {
    const retry = (res.body as { details?: { retryAfterSeconds?: unknown } }).details?.retryAfterSeconds;
    if (typeof retry === 'number' && retry > 0) headers.set('retry-after', String(retry));
  }
  if (typeof res.body === 'string') {
    headers.set('content-type', 'text/plain');
    return new Response(res.body, { status: res.code, headers });
  }
  if (res.body instanceof Uint8Array) {
    headers.set('content-type', 'application/octet-stream');
    return new Response(res.body, { status: res.code, headers });
  }
  headers.set('content-type', 'application/json');
  // A stored (frozen) object is sent as the JSON its watch events share.
  const body =
    res.body !== null && typeof res.body === 'object' && Object.isFrozen(res.body)
      ? objectJson.encode(res.body)
      : JSON.stringify(res.body ?? null);
  return new Response(body, { status: res.code, headers });
}
