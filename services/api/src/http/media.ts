/**
 * Media types: what a request's Accept asks for (a meta.k8s.io Table, aggregated discovery) and what its
 * Content-Type says the body is. Parameters are compared case-insensitively, as Kubernetes' negotiation does.
 */

export interface MediaType {
  /** `type/subtype`, lower case. */
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses one media range (`application/json;as=Table;v=v1;g=meta.k8s.io`). */
export function parseMediaType(value: string): MediaType {
  const [type = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p
      .slice(eq + 1)
      .trim()
      .replace(/^"|"$/g, '');
  }
  return { type: type.trim().toLowerCase(), params };
}

/** The media ranges of an Accept header, in the order given (kubectl lists its preference first). */
export function parseAccept(header: string | null | undefined): MediaType[] {
  if (!header) return [];
  return header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseMediaType);
}

const isJsonish = (m: MediaType) =>
  m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';

/**
 * The Table version a request asks for (`v1` or `v1beta1`), or undefined for plain objects. The first
 * matching range wins; kubectl sends `as=Table;v=v1;g=meta.k8s.io` first.
 */
export function wantsTable(accept: string | null | undefined): 'v1' | 'v1beta1' | undefined {
  for (const m of parseAccept(accept)) {
    if (m.params.as !== 'Table') continue;
    if (m.params.g !== 'meta.k8s.io' || m.type !== 'application/json') continue;
    if (m.params.v === 'v1' || m.params.v === 'v1beta1') return m.params.v;
  }
  return undefined;
}

/**
 * The aggregated discovery version a request accepts (`v2` or `v2beta1`), or undefined for legacy
 * discovery. client-go sends `…;v=v2;as=APIGroupDiscoveryList,…;v=v2beta1;…,application/json`.
 */
export function wantsAggregatedDiscovery(accept: string | null | undefined): 'v2' | 'v2beta1' | undefined {
  for (const m of parseAccept(accept)) {
    if (m.params.as !== 'APIGroupDiscoveryList' || m.params.g !== 'apidiscovery.k8s.io') continue;
    if (m.params.v === 'v2' || m.params.v === 'v2beta1') return m.params.v;
  }
  return undefined;
}

/** Whether a plain JSON answer is acceptable (no Accept, JSON, wildcard, or anything alongside them). */
export function acceptsJson(accept: string | null | undefined): boolean {
  const ranges = parseAccept(accept);
  return ranges.length === 0 || ranges.some(isJsonish);
}

/** What a request body is, from its Content-Type. */
export type BodyFormat = 'json' | 'yaml' | 'protobuf' | { unsupported: string };

/** Patch media types kube-apiserver accepts (the apply-patch+cbor variant is not supported). */
export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

/** The patch type named by a Content-Type, or undefined. */
export function patchTypeOf(contentType: string | null | undefined): PatchType | undefined {
  const t = parseMediaType(contentType ?? '').type;
  return PATCH_TYPES.find((p) => p === t);
}

/**
 * The format of a create/update/delete body. A missing Content-Type is JSON: kubectl's
 * `PUT …/scale` sends none (KUBECTL.md §1).
 */
export function bodyFormatOf(contentType: string | null | undefined): BodyFormat {
  if (!contentType) return 'json';
  const t = parseMediaType(contentType).type;
  if (t === 'application/json' || t === '') return 'json';
  if (t === 'application/yaml' || t === 'application/x-yaml' || t === 'text/yaml') return 'yaml';
  if (t === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  return { unsupported: t };
}
