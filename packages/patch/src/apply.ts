/**
 * The PATCH dispatcher: picks the engine from the request's Content-Type, decodes the body and applies it,
 * with the status codes and messages of the Kubernetes API server.
 *
 * Server-side apply (`application/apply-patch+yaml`) is simplified: the applied configuration is merged over
 * the live object (or over `{}` when the object does not exist yet) with strategic-merge semantics. There is
 * no managedFields tracking, so no field ownership, no conflicts (`force` is irrelevant) and no removal of
 * fields a manager stopped applying; a `null` in the configuration deletes the field.
 */

import { parse as parseYaml } from 'yaml';
import { PatchError, UnsupportedPatchTypeError, badRequest } from './errors.js';
import { applyJsonPatch } from './json-patch.js';
import {
  type JsonObject,
  type JsonValue,
  findNonJson,
  getOwn,
  isJsonObject,
  kindOf,
  preview,
} from './json.js';
import { applyMergePatch } from './merge-patch.js';
import { schemaFor } from './schema/kinds.js';
import type { KindSchema } from './schema/schema.js';
import { applyStrategicMergePatch } from './strategic/merge.js';

/** The patch media types, in the order Kubernetes lists them in its 415 message. */
export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

/** One of {@link PATCH_CONTENT_TYPES}. */
export type PatchContentType = (typeof PATCH_CONTENT_TYPES)[number];

/** The object being patched: its API group (`''` for core), kind and, optionally, version. */
export interface PatchTarget {
  group: string;
  kind: string;
  /** When set, server-side apply checks the configuration's `apiVersion` against `group/version`. */
  version?: string;
}

/** Options of {@link applyPatch}. */
export interface ApplyPatchOptions {
  /** Overrides `schemaFor(target.group, target.kind)`. */
  schema?: KindSchema;
  /**
   * Refuse strategic merge patch (415) for kinds without a built-in schema, as Kubernetes does for custom
   * resources. Off by default: unknown kinds then get JSON-merge semantics for their lists.
   */
  rejectStrategicForUnknownKinds?: boolean;
}

/**
 * The patch type named by a Content-Type header (parameters such as `; charset=utf-8` ignored, case
 * insensitive). Throws {@link UnsupportedPatchTypeError} (415) for anything else.
 */
export function parsePatchContentType(
  header: string | undefined,
  accepted: readonly PatchContentType[] = PATCH_CONTENT_TYPES,
): PatchContentType {
  const mediaType = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const found = accepted.find((type) => type === mediaType);
  if (found === undefined) throw new UnsupportedPatchTypeError(header ?? '', accepted);
  return found;
}

/**
 * Applies a PATCH request body to `doc` (the live object; `null` when it does not exist, which only
 * server-side apply accepts) and returns the patched object. Inputs are never mutated.
 *
 * Throws {@link UnsupportedPatchTypeError} (415) for an unknown Content-Type and {@link PatchError} for a
 * body that cannot be decoded (400) or applied (400/422), or a missing object (404).
 *
 * @example
 * applyPatch('application/merge-patch+json', deployment, '{"spec":{"replicas":5}}', { group: 'apps', kind: 'Deployment' });
 */
export function applyPatch(
  contentType: string | undefined,
  doc: JsonObject | null,
  body: string | Uint8Array,
  target: PatchTarget,
  options: ApplyPatchOptions = {},
): JsonObject {
  const schema = options.schema ?? schemaFor(target.group, target.kind);
  const accepted =
    options.rejectStrategicForUnknownKinds === true && !schema.known
      ? PATCH_CONTENT_TYPES.filter((type) => type !== 'application/strategic-merge-patch+json')
      : PATCH_CONTENT_TYPES;
  const type = parsePatchContentType(contentType, accepted);
  const text = decodeBody(body);
  if (type === 'application/apply-patch+yaml') {
    return serverSideApply(doc, decodeApplyConfiguration(text), target, schema);
  }
  if (doc === null) throw new PatchError('NotFound', 'the server could not find the requested resource');
  switch (type) {
    case 'application/json-patch+json':
      return requireObject(applyJsonPatch(doc, decodeJson(text)));
    case 'application/merge-patch+json':
      return requireObject(applyMergePatch(doc, decodeJsonObject(text)));
    case 'application/strategic-merge-patch+json':
      return applyStrategicMergePatch(doc, decodeJsonObject(text), schema);
  }
}

function decodeBody(body: string | Uint8Array): string {
  if (typeof body === 'string') return body;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (cause) {
    throw badRequest('error decoding patch: the body is not valid UTF-8', { cause });
  }
}

function decodeJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw badRequest(`error decoding patch: ${(cause as Error).message}`, { cause });
  }
}

/** Merge and strategic merge patches must be JSON objects (Kubernetes decodes them into a map). */
function decodeJsonObject(text: string): JsonObject {
  const value = decodeJson(text);
  if (!isJsonObject(value)) {
    throw badRequest(
      `error decoding patch: json: cannot unmarshal ${kindOf(value)} into Go value of type map[string]interface {}`,
    );
  }
  return value;
}

/** A patch result must still be an object (JSON patch can replace the root with anything). */
function requireObject(value: JsonValue): JsonObject {
  if (!isJsonObject(value)) {
    throw badRequest(`the patched object is not a JSON object but ${kindOf(value)}: ${preview(value)}`);
  }
  return value;
}

/**
 * The body of a server-side apply: YAML (JSON is valid YAML). Parsed as YAML 1.1 like sigs.k8s.io/yaml
 * (`yes`/`on` are booleans), but timestamps, binary, sets and ordered maps stay plain scalars and lists.
 */
export function decodeApplyConfiguration(text: string): JsonObject {
  let value: unknown;
  try {
    value = parseYaml(text, {
      version: '1.1',
      customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || !NON_JSON_YAML_TAGS.has(tag.tag)),
    });
  } catch (cause) {
    throw badRequest(`error decoding YAML: ${(cause as Error).message}`, { cause });
  }
  const bad = findNonJson(value);
  if (bad !== undefined)
    throw badRequest(`error decoding YAML: value is not representable in JSON at ${bad}`);
  if (!isJsonObject(value)) {
    throw badRequest(
      `error decoding YAML: the apply configuration must be an object, got ${kindOf(value as JsonValue)}`,
    );
  }
  return value;
}

const NON_JSON_YAML_TAGS: ReadonlySet<string> = new Set([
  'tag:yaml.org,2002:timestamp',
  'tag:yaml.org,2002:binary',
  'tag:yaml.org,2002:set',
  'tag:yaml.org,2002:omap',
  'tag:yaml.org,2002:pairs',
]);

/** The simplified server-side apply described in the module comment. */
function serverSideApply(
  live: JsonObject | null,
  config: JsonObject,
  target: PatchTarget,
  schema: KindSchema,
): JsonObject {
  const apiVersion = getOwn(config, 'apiVersion');
  const kind = getOwn(config, 'kind');
  if (target.version !== undefined) {
    const expected = target.group === '' ? target.version : `${target.group}/${target.version}`;
    if (apiVersion !== expected) {
      throw badRequest(
        `Incorrect version specified in apply patch. Specified patch version: ${typeof apiVersion === 'string' ? apiVersion : ''}, expected: ${expected}`,
      );
    }
  } else if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw badRequest('apiVersion must be set in an apply patch');
  }
  if (kind !== target.kind) {
    throw badRequest(
      `Incorrect kind specified in apply patch. Specified patch kind: ${typeof kind === 'string' ? kind : ''}, expected: ${target.kind}`,
    );
  }
  const metadata = getOwn(config, 'metadata');
  const managedFields = isJsonObject(metadata) ? getOwn(metadata, 'managedFields') : undefined;
  if (managedFields !== undefined && managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  return applyStrategicMergePatch(live ?? {}, config, schema);
}
