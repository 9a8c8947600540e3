/**
 * Kubernetes JSON → protobuf, the inverse of decode.ts: builds the body client-go would send
 * (magic + runtime.Unknown around the typed message). Used for round-trip tests and for answering clients
 * that ask for protobuf. Strict by default: a JSON field without a place in our proto subsets throws, so
 * nothing is dropped silently.
 */
import type protobuf from 'protobufjs';
import { PROTOBUF_MAGIC } from './decode.js';
import { ProtobufEncodeError, UnsupportedProtobufKindError } from './errors.js';
import { type Json, type JsonObject, parseTime } from './json.js';
import { type FieldPlan, type MessagePlan, planFor, typeForKind, unknownType } from './schema.js';

/** Options for {@link encodeKubernetesProtobuf}. */
export interface EncodeOptions {
  /** Throw {@link ProtobufEncodeError} on JSON fields the schema does not know (default true). */
  readonly strict?: boolean;
}

type Plain = Record<string, unknown>;

/**
 * Encodes a Kubernetes JSON object (with apiVersion and kind) as an `application/vnd.kubernetes.protobuf`
 * body.
 *
 * @throws UnsupportedProtobufKindError when apiVersion/kind has no schema here
 * @throws ProtobufEncodeError when a value does not fit its field (or, when strict, a field is unknown)
 */
export function encodeKubernetesProtobuf(obj: JsonObject, options: EncodeOptions = {}): Uint8Array {
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
    throw new ProtobufEncodeError('the object needs string apiVersion and kind');
  }
  const type = typeForKind(apiVersion, kind);
  if (!type) throw new UnsupportedProtobufKindError(apiVersion, kind);
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  const raw = type.encode(jsonToMessage(type, rest, options.strict ?? true, '')).finish();
  const unknown = unknownType()
    .encode({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })
    .finish();
  const body = new Uint8Array(PROTOBUF_MAGIC.length + unknown.length);
  body.set(PROTOBUF_MAGIC, 0);
  body.set(unknown, PROTOBUF_MAGIC.length);
  return body;
}

/** Builds the protobufjs plain message for `json` (a JSON object of `type`). */
export function jsonToMessage(type: protobuf.Type, json: JsonObject, strict: boolean, path: string): Plain {
  return objectMessage(planFor(type), json, strict, path);
}

function objectMessage(plan: MessagePlan, json: JsonObject, strict: boolean, path: string): Plain {
  const out: Plain = {};
  const seen = new Set<string>();
  collect(plan, json, strict, path, out, seen);
  if (strict) {
    for (const key of Object.keys(json)) {
      if (!seen.has(key))
        throw new ProtobufEncodeError(`unknown field "${join(path, key)}" for ${plan.name}`);
    }
  }
  return out;
}

/** Fills `out` from `json`, recording the JSON keys used in `seen` (inlined messages share the parent's). */
function collect(
  plan: MessagePlan,
  json: JsonObject,
  strict: boolean,
  path: string,
  out: Plain,
  seen: Set<string>,
) {
  for (const field of plan.fields) {
    if (field.json === 'inline') {
      if (!field.message) throw new ProtobufEncodeError(`inline field ${field.name} is not a message`);
      const sub: Plain = {};
      collect(planFor(field.message), json, strict, path, sub, seen);
      out[field.name] = sub;
      continue;
    }
    if (!Object.hasOwn(json, field.name)) continue;
    seen.add(field.name);
    const value = json[field.name] as Json;
    const where = join(path, field.name);
    if (field.shape === 'map') {
      if (value === null) continue;
      const obj = expectObject(value, where);
      const m: Plain = {};
      for (const [k, v] of Object.entries(obj)) m[k] = fieldValue(field, v, strict, `${where}.${k}`);
      out[field.name] = m;
    } else if (field.shape === 'repeated') {
      if (value === null) continue;
      if (!Array.isArray(value)) throw new ProtobufEncodeError(`${where}: expected an array`);
      out[field.name] = value.map((v, i) => fieldValue(field, v, strict, `${where}[${i}]`));
    } else {
      if (value === null && !isNullable(field)) continue;
      out[field.name] = fieldValue(field, value, strict, where);
    }
  }
}

/** Time and MicroTime encode JSON null (Go's zero time) as an empty message. */
function isNullable(field: FieldPlan): boolean {
  const special = field.message ? planFor(field.message).special : undefined;
  return special === 'time' || special === 'microTime';
}

function fieldValue(field: FieldPlan, value: Json, strict: boolean, where: string): unknown {
  if (field.message) return messageValue(planFor(field.message), value, strict, where);
  return scalarValue(field.scalar, value, where);
}

function messageValue(plan: MessagePlan, value: Json, strict: boolean, where: string): Plain {
  switch (plan.special) {
    case 'time':
    case 'microTime': {
      if (value === null) return {};
      const t = typeof value === 'string' ? parseTime(value) : undefined;
      if (!t) throw new ProtobufEncodeError(`${where}: expected an RFC 3339 timestamp or null`);
      return t;
    }
    case 'intOrString':
      if (typeof value === 'number' && Number.isInteger(value)) return { type: 0, intVal: value, strVal: '' };
      if (typeof value === 'string') return { type: 1, intVal: 0, strVal: value };
      throw new ProtobufEncodeError(`${where}: expected an integer or a string`);
    case 'quantity':
      if (typeof value === 'string') return { string: value };
      if (typeof value === 'number') return { string: String(value) };
      throw new ProtobufEncodeError(`${where}: expected a quantity string`);
    case 'rawExtension':
      return { raw: Buffer.from(JSON.stringify(value), 'utf8') };
    case 'fieldsV1':
      return { Raw: Buffer.from(JSON.stringify(value), 'utf8') };
    default:
      return objectMessage(plan, expectObject(value, where), strict, where);
  }
}

function scalarValue(type: string, value: Json, where: string): unknown {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'bool':
      if (typeof value === 'boolean') return value;
      break;
    case 'bytes':
      if (typeof value === 'string') return Buffer.from(value, 'base64');
      break;
    case 'int32':
      if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) {
        return value;
      }
      break;
    case 'int64':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      break;
  }
  throw new ProtobufEncodeError(`${where}: ${JSON.stringify(value)} is not a valid ${type}`);
}

function expectObject(value: Json, where: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtobufEncodeError(`${where}: expected an object`);
  }
  return value;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
