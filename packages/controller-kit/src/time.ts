/** Kubernetes' timestamp formats from wall-clock milliseconds. */

/** `metav1.Time`: RFC 3339 with second precision, `2026-11-25T10:00:00Z`. */
export function rfc3339(wallMs: number): string {
  return `${new Date(Math.floor(wallMs / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** `metav1.MicroTime`: RFC 3339 with microseconds, `2026-11-25T10:00:00.123000Z`. */
export function microTime(wallMs: number): string {
  const iso = new Date(Math.floor(wallMs)).toISOString(); // …T10:00:00.123Z
  return `${iso.slice(0, 23)}000Z`;
}

/** Milliseconds of a `Time`/`MicroTime` string, or undefined when absent or malformed. */
export function parseTime(t: string | null | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
