/** The small pieces of Kubernetes semantics the fake api server needs: selectors and JSON merge patch. */

/** A stored object, loosely. */
export type Obj = {
  metadata: Record<string, unknown> & { name?: string; namespace?: string };
  [k: string]: unknown;
};

/** `a=b,c==d,e!=f` → predicate on labels. */
export function parseLabelSelector(sel: string | undefined): (labels: Record<string, string>) => boolean {
  if (sel === undefined || sel.trim() === '') return () => true;
  const terms = sel.split(',').map((t) => {
    const ne = t.indexOf('!=');
    if (ne >= 0) return { key: t.slice(0, ne).trim(), value: t.slice(ne + 2).trim(), eq: false };
    const [k = '', v = ''] = t.split(/==?/);
    return { key: k.trim(), value: v.trim(), eq: true };
  });
  return (labels) => terms.every((t) => (labels[t.key] === t.value) === t.eq);
}

/** `spec.nodeName=x,metadata.name=y` → predicate on the object (dotted paths, equality only). */
export function parseFieldSelector(sel: string | undefined): (obj: Obj) => boolean {
  if (sel === undefined || sel.trim() === '') return () => true;
  const terms = sel.split(',').map((t) => {
    const [path = '', value = ''] = t.split(/==?/);
    return { path: path.trim().split('.'), value: value.trim() };
  });
  const at = (obj: unknown, path: string[]): unknown =>
    path.reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
  return (obj) => terms.every((t) => String(at(obj, t.path) ?? '') === t.value);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
