/** JSON values as produced by the decoder and accepted by the encoder. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

/** A Kubernetes object in its JSON form: apiVersion and kind plus the kind's own fields. */
export interface KubernetesObjectJson extends JsonObject {
  apiVersion: string;
  kind: string;
}

/** Go's RFC 3339 rendering of a metav1.Time (second precision, UTC). */
export function formatTime(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString(); // "2006-01-02T15:04:05.000Z"
  const base = iso.slice(0, 19);
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses an RFC 3339 timestamp into protobuf seconds and nanos; undefined when malformed. */
export function parseTime(text: string): { seconds: number; nanos: number } | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]?.toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = m[2] ? m[2].slice(1, 10).padEnd(9, '0') : '0';
  return { seconds: Math.floor(ms / 1000), nanos: Number(frac) };
}
