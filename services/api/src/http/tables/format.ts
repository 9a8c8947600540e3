/**
 * Cell formatting helpers, transcribed from apimachinery and kubernetes/pkg/printers: HumanDuration,
 * labels.FormatLabels, metav1.FormatLabelSelector / LabelSelectorAsSelector().String(), layoutContainerCells.
 */

type Obj = Record<string, unknown>;

/** `duration.HumanDuration`: ~2–3 significant figures ("5s", "3m2s", "10m", "5h3m", "2d3h", "3y12d"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** `translateTimestampSince`: "<unknown>" for a missing or unparseable time, else the age at `nowMs`. */
export function since(timestamp: unknown, nowMs: number): string {
  const t = parseTime(timestamp);
  return t === undefined ? '<unknown>' : humanDuration(nowMs - t);
}

/** Go's zero time.Time (0001-01-01T00:00:00Z), which a nil timestamp marshals to in some clients. */
const GO_ZERO_TIME_MS = -62_135_596_800_000;

/** An RFC 3339 time in milliseconds, or undefined (Go's zero time also counts as missing). */
export function parseTime(timestamp: unknown): number | undefined {
  if (typeof timestamp !== 'string' || timestamp === '') return undefined;
  const t = Date.parse(timestamp);
  if (Number.isNaN(t) || t <= GO_ZERO_TIME_MS) return undefined;
  return t;
}

/** `labels.FormatLabels`: `k=v,k2=v2` sorted by key, or `<none>`. */
export function formatLabels(labels: unknown): string {
  if (!isObj(labels)) return '<none>';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${String(labels[k])}`).join(',');
}

/**
 * `LabelSelectorAsSelector(sel).String()`: requirements sorted by key; `k=v`, `k in (a,b)`, `k notin (a,b)`,
 * `k`, `!k`. Empty for a nil or empty selector.
 */
export function selectorString(selector: unknown): string {
  if (!isObj(selector)) return '';
  const reqs: { key: string; text: string }[] = [];
  const matchLabels = isObj(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(matchLabels)) reqs.push({ key: k, text: `${k}=${String(v)}` });
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const e of exprs) {
    if (!isObj(e) || typeof e.key !== 'string') continue;
    const values = (Array.isArray(e.values) ? e.values.map(String) : []).sort();
    const key = e.key;
    switch (e.operator) {
      case 'In':
        reqs.push({ key, text: `${key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        reqs.push({ key, text: `${key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        reqs.push({ key, text: `!${key}` });
        break;
    }
  }
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** `metav1.FormatLabelSelector`: the selector string, `<none>` when empty. */
export function formatLabelSelector(selector: unknown): string {
  const s = selectorString(selector);
  return s === '' ? '<none>' : s;
}

/** `layoutContainerCells`: container names and images, comma-separated. */
export function containerCells(containers: unknown): [string, string] {
  const list = Array.isArray(containers) ? containers.filter(isObj) : [];
  return [list.map((c) => str(c.name)).join(','), list.map((c) => str(c.image)).join(',')];
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A nested field (`get(o, 'spec', 'template', 'spec')`), undefined when any step is missing. */
export function get(o: unknown, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** A string field or `''` (Go's zero value). */
export const str = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);

/** An integer field or 0 (Go's zero value). */
export const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);

/** An array field or `[]`. */
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** An object's own keys count (`len(map)`). */
export const count = (v: unknown): number => (isObj(v) ? Object.keys(v).length : 0);

/** `"<prefix> + N more..."` lists (Endpoints, EndpointSlice, Ingress hosts). */
export function listWithMore(
  list: readonly string[],
  more: boolean,
  total: number,
  max: number,
  empty: string,
): string {
  const joined = list.join(',');
  if (more) return `${joined} + ${total - max} more...`;
  return joined === '' ? empty : joined;
}
