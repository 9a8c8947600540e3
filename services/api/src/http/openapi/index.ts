/**
 * OpenAPI v3, as kube-apiserver publishes it and kubectl 1.32 reads it (KUBECTL.md §2):
 *
 * - `/openapi/v3`: the index, `{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=…"}, …}}`;
 * - `/openapi/v3/api/v1`, `/openapi/v3/apis/<g>/<v>`: one document per group-version whose paths carry, per
 *   kind, operations with `x-kubernetes-group-version-kind`. The PATCH operation lists the `fieldValidation`
 *   query parameter, which is what makes `kubectl create/apply/edit` validate server-side instead of
 *   downloading OpenAPI v2 (that path 404s). PATCH deliberately has no requestBody: with one, client-side
 *   apply would build strategic merge patches from these (incomplete) schemas instead of kubectl's own types.
 * - `components.schemas`: Kubernetes' schemas with field descriptions (src/schemas, the same ones
 *   `fieldValidation` checks against) for every served kind and the types it reaches, and a Name-level
 *   schema for the few option kinds without one; each kind is tagged with `x-kubernetes-group-version-kind`,
 *   so `kubectl explain` works. The GET of the item path answers with a `$ref` to the kind's schema, as
 *   upstream does.
 */
import { createHash } from 'node:crypto';
import { GROUPS, type ResourceInfo, resourcesIn } from '@kubelab/api-types';
import { kubernetesSchemas, schemaName } from '../../schemas/index.js';

export { schemaName };

type Json = Record<string, unknown>;
type Schemas = Record<string, Json>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const allOfRef = (name: string, description: string) => ({ allOf: [ref(name)], default: {}, description });

const gvkOf = (group: string, version: string, kind: string) => ({ group, kind, version });

const PARAM = {
  dryRun: {
    name: 'dryRun',
    in: 'query',
    description:
      'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
    schema: { type: 'string', uniqueItems: true },
  },
  fieldManager: {
    name: 'fieldManager',
    in: 'query',
    description:
      'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
    schema: { type: 'string', uniqueItems: true },
  },
  fieldValidation: {
    name: 'fieldValidation',
    in: 'query',
    description:
      'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
    schema: { type: 'string', uniqueItems: true },
  },
  force: {
    name: 'force',
    in: 'query',
    description:
      'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
    schema: { type: 'boolean', uniqueItems: true },
  },
} as const;

function okResponse(schema: string) {
  return {
    '200': { description: 'OK', content: { 'application/json': { schema: ref(schema) } } },
    '401': { description: 'Unauthorized' },
  };
}

function pascal(s: string): string {
  return s
    .split(/[.-]/)
    .filter((p) => p !== '')
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
}

/** The operations of one resource's paths (collection, item, subresources). */
function resourcePaths(info: ResourceInfo, prefix: string): Record<string, Json> {
  const gvk = gvkOf(info.group, info.version, info.kind);
  const kindSchema = schemaName(info.group, info.version, info.kind);
  const listSchema = schemaName(info.group, info.version, info.listKind);
  const id = `${pascal(info.group === '' ? 'core' : (info.group.split('.')[0] ?? ''))}${pascal(info.version)}${info.namespaced ? 'Namespaced' : ''}${info.kind}`;
  const base = info.namespaced
    ? `${prefix}/namespaces/{namespace}/${info.plural}`
    : `${prefix}/${info.plural}`;
  const verbs = new Set<string>(info.verbs);
  const ext = (action: string) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk });
  const paths: Record<string, Json> = {};

  const collection: Json = {};
  if (verbs.has('list'))
    collection.get = { operationId: `list${id}`, ...ext('list'), responses: okResponse(listSchema) };
  if (verbs.has('create')) {
    collection.post = {
      operationId: `create${id}`,
      ...ext('post'),
      parameters: [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation],
      requestBody: { content: { 'application/json': { schema: ref(kindSchema) } }, required: true },
      responses: okResponse(kindSchema),
    };
  }
  if (verbs.has('deletecollection'))
    collection.delete = { operationId: `deletecollection${id}`, ...ext('deletecollection') };
  paths[base] = collection;

  const item: Json = {};
  if (verbs.has('get'))
    item.get = { operationId: `read${id}`, ...ext('get'), responses: okResponse(kindSchema) };
  if (verbs.has('update')) {
    item.put = {
      operationId: `replace${id}`,
      ...ext('put'),
      parameters: [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation],
      responses: okResponse(kindSchema),
    };
  }
  if (verbs.has('patch')) {
    item.patch = {
      operationId: `patch${id}`,
      ...ext('patch'),
      parameters: [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation, PARAM.force],
      responses: okResponse(kindSchema),
    };
  }
  if (verbs.has('delete')) item.delete = { operationId: `delete${id}`, ...ext('delete') };
  paths[`${base}/{name}`] = item;

  if (info.namespaced && verbs.has('list')) {
    paths[`${prefix}/${info.plural}`] = {
      get: {
        operationId: `list${id.replace('Namespaced', '')}ForAllNamespaces`,
        ...ext('list'),
        responses: okResponse(listSchema),
      },
    };
  }
  for (const sub of info.subresources) paths[`${base}/{name}/${sub.name}`] = subresourcePath(info, sub, id);
  return paths;
}

function subresourcePath(info: ResourceInfo, sub: ResourceInfo['subresources'][number], id: string): Json {
  const rk = sub.responseKind;
  const gvk = gvkOf(rk.group, rk.version, rk.kind);
  const schema = schemaName(rk.group, rk.version, rk.kind);
  const ext = (action: string) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk });
  const op: Json = {};
  const suffix = pascal(sub.name);
  for (const verb of sub.verbs) {
    if (verb === 'get')
      op.get = { operationId: `read${id}${suffix}`, ...ext('get'), responses: okResponse(schema) };
    if (verb === 'update') {
      op.put = {
        operationId: `replace${id}${suffix}`,
        ...ext('put'),
        parameters: [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation],
        responses: okResponse(schema),
      };
    }
    if (verb === 'patch') {
      op.patch = {
        operationId: `patch${id}${suffix}`,
        ...ext('patch'),
        parameters: [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation, PARAM.force],
        responses: okResponse(schema),
      };
    }
    if (verb === 'create') {
      op.post = {
        operationId: `create${id}${suffix}`,
        ...ext('connect'),
        parameters: [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation],
      };
    }
  }
  return op;
}

/** A schema for a kind without hand-written fields: apiVersion, kind, metadata, and opaque spec/status. */
function genericKindSchema(kind: string): Json {
  return {
    description: `${kind} (no published schema: its fields are not documented here).`,
    type: 'object',
    properties: {
      apiVersion: { description: API_VERSION_DESCRIPTION, type: 'string' },
      kind: { description: KIND_DESCRIPTION, type: 'string' },
      metadata: allOfRef(`${META}.ObjectMeta`, "Standard object's metadata."),
      spec: { description: `Specification of the desired behavior of the ${kind}.`, type: 'object' },
      status: { description: `Most recently observed status of the ${kind}.`, type: 'object' },
    },
  };
}

function listSchema(itemSchema: string, kind: string): Json {
  return {
    description: `${kind} is a list of ${kind.replace(/List$/, '')} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: API_VERSION_DESCRIPTION, type: 'string' },
      items: { description: 'List of objects.', type: 'array', items: allOfRef(itemSchema, '') },
      kind: { description: KIND_DESCRIPTION, type: 'string' },
      metadata: allOfRef(`${META}.ListMeta`, 'Standard list metadata.'),
    },
  };
}

const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** Adds `name` and every schema it references (transitively) from `pool` to `out`. */
function addWithRefs(name: string, pool: Schemas, out: Schemas): void {
  if (out[name] !== undefined) return;
  const schema = pool[name];
  if (schema === undefined) return;
  out[name] = schema;
  const text = JSON.stringify(schema);
  for (const m of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) if (m[1]) addWithRefs(m[1], pool, out);
}

/** The kinds a group-version document describes: its resources' kinds and subresource response kinds. */
function kindsOf(group: string, version: string): { group: string; version: string; kind: string }[] {
  const out = new Map<string, { group: string; version: string; kind: string }>();
  for (const r of resourcesIn(group, version)) {
    out.set(schemaName(r.group, r.version, r.kind), { group: r.group, version: r.version, kind: r.kind });
    for (const s of r.subresources) {
      const k = s.responseKind;
      out.set(schemaName(k.group, k.version, k.kind), { group: k.group, version: k.version, kind: k.kind });
    }
  }
  return [...out.values()];
}

/** Builds the OpenAPI v3 document of one served group-version (pure). */
export function buildGroupVersionDocument(group: string, version: string): Json {
  const resources = resourcesIn(group, version);
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: Record<string, Json> = {};
  for (const r of resources) Object.assign(paths, resourcePaths(r, prefix));

  const data = kubernetesSchemas();
  const pool: Schemas = { ...data };
  const schemas: Schemas = {};
  for (const k of kindsOf(group, version)) {
    const name = schemaName(k.group, k.version, k.kind);
    const base = data[name] ?? genericKindSchema(k.kind);
    pool[name] = { ...base, 'x-kubernetes-group-version-kind': [gvkOf(k.group, k.version, k.kind)] };
    addWithRefs(name, pool, schemas);
  }
  for (const r of resources) {
    const itemName = schemaName(r.group, r.version, r.kind);
    const name = schemaName(r.group, r.version, r.listKind);
    pool[name] = {
      ...listSchema(itemName, r.listKind),
      'x-kubernetes-group-version-kind': [gvkOf(r.group, r.version, r.listKind)],
    };
    addWithRefs(name, pool, schemas);
  }
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-kubelab' },
    paths,
    components: { schemas: sorted },
  };
}

/** A served document: its JSON text and content hash (the `hash` of its serverRelativeURL). */
export interface OpenApiDocument {
  readonly json: string;
  readonly hash: string;
}

export interface OpenApiDocs {
  /** The `/openapi/v3` index. */
  readonly index: Json;
  /** The document at `api/v1` or `apis/<g>/<v>`, or undefined. */
  document(path: string): OpenApiDocument | undefined;
}

/** Every served group-version's document, built once, and the index pointing at them by hash. */
export function buildOpenApiDocs(): OpenApiDocs {
  const docs = new Map<string, OpenApiDocument>();
  for (const g of GROUPS) {
    for (const v of g.versions) {
      const json = JSON.stringify(buildGroupVersionDocument(g.name, v));
      const hash = createHash('sha512').update(json).digest('hex').toUpperCase();
      docs.set(g.name === '' ? `api/${v}` : `apis/${g.name}/${v}`, { json, hash });
    }
  }
  const paths: Record<string, Json> = {};
  for (const [path, doc] of docs) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` };
  return { index: { paths }, document: (path) => docs.get(path) };
}
