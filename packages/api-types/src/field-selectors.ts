/**
 * Field selectors, as `k8s.io/apimachinery/pkg/fields` plus the per-kind field label conversions the api
 * server registers: which fields each kind can be filtered on, and their values for an object.
 */
import { findByKind } from './resources.js';

/** One `field<op>value` term. `=` and `==` both mean equality. */
export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

/** A parsed field selector: all terms must hold. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

/**
 * A field selector that does not parse, or names a field the kind does not support. The message is the one
 * Kubernetes returns in a 400 BadRequest (`field label not supported: spec.foo`).
 */
export class FieldSelectorError extends Error {
  override readonly name = 'FieldSelectorError';
}

function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function unescapeValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') {
      throw new FieldSelectorError(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0)}`,
      );
    } else out += c;
  }
  if (inSlash) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * Parses `fields.ParseSelector` syntax: comma-separated `field=value`, `field==value`, `field!=value`, with
 * `\,` `\=` `\\` escapes in values.
 *
 * @example
 * parseFieldSelector('metadata.name=nginx,status.phase!=Running').requirements.length; // 2
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    let found: FieldRequirement | undefined;
    for (let i = 0; i < part.length && found === undefined; i++) {
      for (const op of ['!=', '==', '='] as const) {
        if (part.startsWith(op, i)) {
          found = { field: part.slice(0, i), operator: op, value: unescapeValue(part.slice(i + op.length)) };
          break;
        }
      }
    }
    if (found === undefined)
      throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    requirements.push(found);
  }
  return { requirements };
}

const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
  'metadata.namespace',
  'metadata.name',
];

/** The field labels each kind supports beyond the default `metadata.name`/`metadata.namespace`. */
export const SUPPORTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pod: [
    'metadata.name',
    'metadata.namespace',
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName',
  ],
  Node: ['metadata.name', 'spec.unschedulable'],
  ReplicationController: ['metadata.name', 'metadata.namespace', 'status.replicas'],
  ReplicaSet: ['metadata.name', 'metadata.namespace', 'status.replicas'],
  Job: ['metadata.name', 'metadata.namespace', 'status.successful'],
  Event: EVENT_FIELDS,
  Namespace: ['status.phase', 'metadata.name'],
  Secret: ['type', 'metadata.namespace', 'metadata.name'],
  Service: ['metadata.namespace', 'metadata.name', 'spec.clusterIP', 'spec.type'],
};

/**
 * The field-label conversion: returns the field a label maps to (Pod `spec.host` → `spec.nodeName`) or
 * throws with Kubernetes' message for an unsupported label.
 */
export function convertFieldLabel(kind: string, label: string): string {
  const supported = SUPPORTED_FIELDS[kind];
  if (supported === undefined) {
    if (label === 'metadata.name' || label === 'metadata.namespace') return label;
    throw new FieldSelectorError(
      `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
    );
  }
  if (kind === 'Pod' && label === 'spec.host') return 'spec.nodeName';
  if (supported.includes(label)) return label;
  throw new FieldSelectorError(`field label not supported: ${label}`);
}

/**
 * Parses a selector and converts its labels for a kind (what the list/watch handler does before filtering).
 * Throws {@link FieldSelectorError}; answer it with a 400 BadRequest carrying its message.
 */
export function parseFieldSelectorFor(kind: string, selector: string): FieldSelector {
  const parsed = parseFieldSelector(selector);
  return {
    requirements: parsed.requirements.map((r) => ({ ...r, field: convertFieldLabel(kind, r.field) })),
  };
}

type Obj = Record<string, unknown>;

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[part];
  }
  return cur;
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/**
 * The selectable field set of an object (the `GetAttrs` of its registry strategy): metadata.name, plus
 * metadata.namespace for namespaced kinds, plus the kind's own fields.
 */
export function objectFields(kind: string, obj: unknown): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': str(get(obj, 'metadata.name')) };
  if (findByKind(kind)?.namespaced ?? true)
    fields['metadata.namespace'] = str(get(obj, 'metadata.namespace'));
  const add = (name: string, value: unknown): void => {
    fields[name] = str(value);
  };
  switch (kind) {
    case 'Pod': {
      for (const f of [
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
      ]) {
        add(f, get(obj, f));
      }
      add('spec.hostNetwork', get(obj, 'spec.hostNetwork') === true ? 'true' : 'false');
      add('status.phase', get(obj, 'status.phase'));
      const ips = get(obj, 'status.podIPs');
      const first = Array.isArray(ips) && ips.length > 0 ? (ips[0] as Obj).ip : get(obj, 'status.podIP');
      add('status.podIP', first);
      add('status.nominatedNodeName', get(obj, 'status.nominatedNodeName'));
      break;
    }
    case 'Node':
      add('spec.unschedulable', get(obj, 'spec.unschedulable') === true ? 'true' : 'false');
      break;
    case 'ReplicationController':
    case 'ReplicaSet':
      add('status.replicas', get(obj, 'status.replicas') ?? 0);
      break;
    case 'Job':
      add('status.successful', get(obj, 'status.succeeded') ?? 0);
      break;
    case 'Event':
      for (const f of EVENT_FIELDS.filter((x) => x.startsWith('involvedObject.'))) add(f, get(obj, f));
      add('reason', get(obj, 'reason'));
      add('reportingComponent', get(obj, 'reportingComponent'));
      add('source', get(obj, 'source.component'));
      add('type', get(obj, 'type'));
      break;
    case 'Namespace':
      add('status.phase', get(obj, 'status.phase'));
      break;
    case 'Secret':
      add('type', get(obj, 'type'));
      break;
    case 'Service':
      add('spec.clusterIP', get(obj, 'spec.clusterIP'));
      add('spec.type', get(obj, 'spec.type'));
      break;
  }
  return fields;
}

/** True when the field set satisfies every term (a missing field has the empty value). */
export function fieldSelectorMatches(selector: FieldSelector, fields: Record<string, string>): boolean {
  return selector.requirements.every((r) => {
    const v = fields[r.field] ?? '';
    return r.operator === '!=' ? v !== r.value : v === r.value;
  });
}

/**
 * Compiles a selector string for a kind into a predicate over objects. Throws {@link FieldSelectorError}.
 *
 * @example
 * const match = compileFieldSelector('Pod', 'spec.nodeName=node-1');
 * match(pod); // true when the pod is bound to node-1
 */
export function compileFieldSelector(kind: string, selector: string): (obj: unknown) => boolean {
  const parsed = parseFieldSelectorFor(kind, selector);
  return (obj) => fieldSelectorMatches(parsed, objectFields(kind, obj));
}
