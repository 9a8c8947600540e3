/**
 * Server-side field validation (`fieldValidation=Strict|Warn|Ignore`), as kube-apiserver's strict decoding
 * does it: fields a kind's schema does not know are an error (Strict: 400 BadRequest `strict decoding
 * error: unknown field "spec.containers[0].imagePullPolic"`), a warning (Warn: one `unknown field "…"`
 * warning each, and the field is dropped) or silently dropped (Ignore). Objects marked
 * `x-kubernetes-preserve-unknown-fields` and maps (`additionalProperties`) are free-form. The schemas are
 * the api's one set (src/schemas), the same `/openapi/v3` serves. Pure.
 */
import { type Schema, kubernetesSchemas, refName, schemaName } from '../schemas/index.js';
import { errors } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const DIRECTIVES: readonly FieldValidation[] = ['Ignore', 'Warn', 'Strict'];

/**
 * The directive of a request, or undefined when it names none. kubelab applies field validation only when a
 * client asks (kubectl always does for create, apply, edit and replace), so that kubelab's own services,
 * which send none, never lose a field to a schema gap.
 */
export function fieldValidationOf(query: Record<string, string> | undefined): FieldValidation | undefined {
  const raw = query?.fieldValidation;
  if (raw === undefined || raw === '') return undefined;
  const found = DIRECTIVES.find((d) => d.toLowerCase() === raw.toLowerCase());
  if (!found) {
    throw errors.badRequest(
      `fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(raw)}`,
    );
  }
  return found;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows `$ref`/`allOf` to the named schema; undefined when it is not known. */
function resolve(schema: Schema | undefined, all: Readonly<Record<string, Schema>>): Schema | undefined {
  let s = schema;
  for (let depth = 0; s && depth < 8; depth++) {
    const name = refName(s);
    if (name === undefined) return s;
    s = all[name];
  }
  return s;
}

/**
 * Walks `value` against `schema`, collecting the paths of unknown fields and, when `prune`, deleting them
 * from `value` (which must be a private copy).
 */
function walk(
  value: unknown,
  schema: Schema | undefined,
  path: string,
  all: Readonly<Record<string, Schema>>,
  unknown: string[],
  prune: boolean,
): void {
  const s = resolve(schema, all);
  if (!s || s['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value)) {
    const items = s.items as Schema | undefined;
    if (items) value.forEach((v, i) => walk(v, items, `${path}[${i}]`, all, unknown, prune));
    return;
  }
  if (!isRecord(value)) return;
  const properties = s.properties as Record<string, Schema> | undefined;
  const additional = s.additionalProperties as Schema | boolean | undefined;
  if (properties === undefined) {
    if (isRecord(additional)) {
      for (const [k, v] of Object.entries(value)) walk(v, additional, `${path}[${k}]`, all, unknown, prune);
    }
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const field = path === '' ? k : `${path}.${k}`;
    const prop = properties[k];
    if (prop === undefined) {
      unknown.push(field);
      if (prune) delete value[k];
      continue;
    }
    walk(v, prop, field, all, unknown, prune);
  }
}

/** The unknown field paths of `obj` for a kind (empty when the kind has no schema). */
export function unknownFields(group: string, version: string, kind: string, obj: unknown): string[] {
  const all = kubernetesSchemas();
  const root = all[schemaName(group, version, kind)];
  if (!root) return [];
  const out: string[] = [];
  walk(obj, root, '', all, out, false);
  return out;
}

/** What a write goes on with: the object (unknown fields dropped unless Strict) and the warnings to send. */
export interface FieldCheck<T> {
  readonly object: T;
  readonly warnings: readonly string[];
}

/**
 * Applies a fieldValidation directive to a request object of `kind` (group/version as served). Strict throws
 * the 400 kube-apiserver answers; Warn and Ignore drop the unknown fields (Warn also warns).
 *
 * @example
 * checkFields('', 'v1', 'Pod', body, 'Strict');
 * // throws: Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bogus"
 */
export function checkFields<T>(
  group: string,
  version: string,
  kind: string,
  obj: T,
  mode: FieldValidation | undefined,
): FieldCheck<T> {
  if (mode === undefined) return { object: obj, warnings: [] };
  const all = kubernetesSchemas();
  const root = all[schemaName(group, version, kind)];
  if (!root) return { object: obj, warnings: [] };
  const found: string[] = [];
  if (mode === 'Strict') {
    walk(obj, root, '', all, found, false);
    if (found.length > 0) {
      const fields = found.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ');
      throw errors.badRequest(
        `${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${fields}`,
      );
    }
    return { object: obj, warnings: [] };
  }
  const copy = structuredClone(obj);
  walk(copy, root, '', all, found, true);
  return {
    object: found.length > 0 ? copy : obj,
    warnings: mode === 'Warn' ? found.map((f) => `unknown field ${JSON.stringify(f)}`) : [],
  };
}
