/**
 * Generates services/api/src/schemas/kubernetes.json — the OpenAPI v3 component schemas of every kind the
 * api serves and of every type they reach, with Kubernetes' field descriptions and required fields — from
 * the models of @kubernetes/client-node (generated from Kubernetes' own OpenAPI spec). That JSON file is the
 * api's single source of truth for schemas: `/openapi/v3` serves it and `fieldValidation` checks against it.
 *
 * Run after upgrading @kubernetes/client-node: `node --import tsx services/api/scripts/gen-schemas.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GROUPS, resourcesIn } from '@kubelab/api-types';

type Json = Record<string, unknown>;
interface Attr {
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

const require = createRequire(import.meta.url);
const modelsDir = join(dirname(require.resolve('@kubernetes/client-node')), 'gen', 'models');
const out = new URL('../src/schemas/kubernetes.json', import.meta.url);

/** Types of apimachinery's meta/v1 package. */
const META_TYPES = new Set([
  'ObjectMeta',
  'ListMeta',
  'LabelSelector',
  'LabelSelectorRequirement',
  'OwnerReference',
  'ManagedFieldsEntry',
  'Condition',
  'Status',
  'StatusDetails',
  'StatusCause',
  'DeleteOptions',
  'Preconditions',
]);
const PREFIXED = /^([A-Z][a-z]+)(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;
const VERSIONED = /^(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

async function attributes(cls: string): Promise<Attr[] | undefined> {
  try {
    const mod = (await import(join(modelsDir, `${cls}.js`))) as Record<string, { attributeTypeMap?: Attr[] }>;
    return mod[cls]?.attributeTypeMap;
  } catch {
    return undefined;
  }
}

/** Class and field descriptions and required fields, read from the model's .d.ts doc comments. */
function docs(cls: string): { description: string; fields: Map<string, string>; required: string[] } {
  const text = readFileSync(join(modelsDir, `${cls}.d.ts`), 'utf8');
  const clean = (c: string) =>
    c
      .split('\n')
      .map((l) => l.replace(/^\s*\*\s?/, '').trim())
      .filter((l) => l !== '' && l !== '/')
      .join(' ')
      .replace(/\\'/g, "'")
      .trim();
  const classDoc = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export declare class/.exec(text)?.[1] ?? '';
  const fields = new Map<string, string>();
  const required: string[] = [];
  const body = text.slice(text.indexOf('export declare class'));
  for (const m of body.matchAll(/(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?'([^']+)'(\??):/g)) {
    const [, doc, name = '', optional] = m;
    if (doc) fields.set(name, clean(doc));
    if (optional !== '?') required.push(name);
  }
  return { description: clean(classDoc), fields, required };
}

/** Assigns OpenAPI names: the first package (in root order) that reaches a type names it. */
class Namer {
  readonly names = new Map<string, string>();
  name(cls: string, pkg: string): string {
    const known = this.names.get(cls);
    if (known) return known;
    let name: string;
    const pre = PREFIXED.exec(cls);
    const ver = VERSIONED.exec(cls);
    if (pre) name = `io.k8s.api.${pre[1]?.toLowerCase()}.${pre[2]?.toLowerCase()}.${pre[3]}`;
    else if (ver && META_TYPES.has(ver[2] ?? '')) name = `io.k8s.apimachinery.pkg.apis.meta.v1.${ver[2]}`;
    else if (ver) name = `io.k8s.api.${pkg}.${ver[1]?.toLowerCase()}.${ver[2]}`;
    else name = `io.k8s.kubelab.${cls}`;
    this.names.set(cls, name);
    return name;
  }
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** A schema for one attribute type; classes are queued for generation. */
function typeSchema(
  type: string,
  format: string,
  pkg: string,
  namer: Namer,
  queue: [string, string][],
): Json {
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map)
    return { type: 'object', additionalProperties: typeSchema(map[1] ?? 'any', '', pkg, namer, queue) };
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) return { type: 'array', items: typeSchema(arr[1] ?? 'any', format, pkg, namer, queue) };
  switch (type) {
    case 'string':
      return format ? { type: 'string', format } : { type: 'string' };
    case 'number':
      return format.startsWith('int')
        ? { type: 'integer', format }
        : { type: 'number', format: format || 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
    case 'V1MicroTime':
      return { type: 'string', format: 'date-time' };
    case 'IntOrString':
      return { 'x-kubernetes-int-or-string': true };
    case 'any':
    case 'object':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    default: {
      queue.push([type, pkg]);
      return ref(namer.name(type, pkg));
    }
  }
}

async function classSchema(
  cls: string,
  pkg: string,
  namer: Namer,
  queue: [string, string][],
): Promise<Json | undefined> {
  const attrs = await attributes(cls);
  if (!attrs) return undefined;
  const d = docs(cls);
  const properties: Json = {};
  const requiredJson: string[] = [];
  for (const a of attrs) {
    const s = typeSchema(a.type, a.format, pkg, namer, queue);
    const description = d.fields.get(a.baseName) ?? d.fields.get(a.baseName.replace(/^_/, ''));
    const withDoc =
      '$ref' in s
        ? { allOf: [s], ...(description ? { description } : {}) }
        : { ...(description ? { description } : {}), ...s };
    properties[a.baseName] = withDoc;
  }
  for (const r of d.required) if (attrs.some((a) => a.baseName === r)) requiredJson.push(r);
  return {
    ...(d.description ? { description: d.description } : {}),
    type: 'object',
    ...(requiredJson.length > 0 ? { required: requiredJson } : {}),
    properties,
  };
}

/** The client-node class of a served kind (`V1Pod`, `CoreV1Event`, `V2HorizontalPodAutoscaler`). */
async function rootClass(group: string, version: string, kind: string): Promise<string | undefined> {
  const v = `V${version.slice(1)}`;
  const g = group === '' ? 'Core' : (group.split('.')[0] ?? '');
  for (const cls of [`${g[0]?.toUpperCase()}${g.slice(1)}${v}${kind}`, `${v}${kind}`]) {
    if (await attributes(cls)) return cls;
  }
  return undefined;
}

async function main(): Promise<void> {
  const namer = new Namer();
  const queue: [string, string][] = [];
  const roots: [string, string, string][] = [];
  for (const g of GROUPS) {
    for (const version of g.versions) {
      const pkg = g.name === '' ? 'core' : (g.name.split('.')[0] ?? g.name);
      const kinds = new Map<string, string>();
      for (const r of resourcesIn(g.name, version)) {
        kinds.set(r.kind, pkg);
        for (const s of r.subresources) {
          const k = s.responseKind;
          if (k.group === g.name && k.version === version) kinds.set(k.kind, pkg);
        }
      }
      for (const [kind] of kinds) {
        const cls = await rootClass(g.name, version, kind);
        if (!cls) {
          console.error(`no model for ${g.name || 'core'}/${version} ${kind}`);
          continue;
        }
        namer.names.set(cls, `io.k8s.api.${pkg}.${version}.${kind}`);
        roots.push([cls, pkg, kind]);
      }
    }
  }
  // Subresource kinds of other groups (autoscaling/v1 Scale, policy/v1 Eviction) and list/status metadata.
  for (const [cls, name, pkg] of [
    ['V1Scale', 'io.k8s.api.autoscaling.v1.Scale', 'autoscaling'],
    ['V1Eviction', 'io.k8s.api.policy.v1.Eviction', 'policy'],
    ['V1ListMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', 'meta'],
    ['V1Status', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status', 'meta'],
    ['V1DeleteOptions', 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', 'meta'],
  ] as const) {
    namer.names.set(cls, name);
    roots.push([cls, pkg, name]);
  }
  for (const [cls, pkg] of roots) queue.push([cls, pkg]);
  const schemas: Record<string, Json> = {};
  while (queue.length > 0) {
    const [cls, pkg] = queue.shift() as [string, string];
    const name = namer.name(cls, pkg);
    if (schemas[name]) continue;
    const schema = await classSchema(cls, pkg, namer, queue);
    if (schema) schemas[name] = schema;
    else console.error(`no model for ${cls}`);
  }
  // client-node documents class-typed fields only on the class: borrow that description.
  for (const schema of Object.values(schemas)) {
    for (const prop of Object.values((schema.properties ?? {}) as Record<string, Json>)) {
      const target = (prop.allOf as { $ref: string }[] | undefined)?.[0]?.$ref.split('/').pop();
      const description = target ? schemas[target]?.description : undefined;
      if (prop.description === undefined && description) prop.description = description;
    }
  }
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(out, `${JSON.stringify(sorted, null, 1)}\n`);
  console.log(`${Object.keys(sorted).length} schemas → ${out.pathname}`);
}

await main();
