/**
 * Protobuf → Kubernetes JSON. The wire bytes are decoded by protobufjs with our proto subsets; the
 * resulting message is then rendered the way Go's encoding/json renders the same Go struct: JSON field
 * names, omitted zero values (unless the field is a Go pointer or lacks omitempty), inlined structs, and
 * the custom forms of Time, MicroTime, IntOrString, Quantity, RawExtension, FieldsV1 and `bytes`.
 */
import protobuf from 'protobufjs';
import { ProtobufDecodeError, UnsupportedProtobufKindError } from './errors.js';
import { type Json, type JsonObject, type KubernetesObjectJson, formatTime } from './json.js';
import { type FieldPlan, type MessagePlan, planFor, typeForKind, unknownType } from './schema.js';

/** The four bytes ("k8s\0") that start every Kubernetes protobuf body. */
export const PROTOBUF_MAGIC: Uint8Array = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** The runtime.Unknown envelope of a Kubernetes protobuf body. */
export interface ProtobufEnvelope {
  apiVersion: string;
  kind: string;
  /** The typed object's message bytes (e.g. a k8s.io.api.apps.v1.Deployment). */
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

type Fields = Record<string, unknown>;

/** Decodes the magic and the runtime.Unknown envelope; throws {@link ProtobufDecodeError}. */
export function decodeEnvelope(body: Uint8Array): ProtobufEnvelope {
  if (body.length < PROTOBUF_MAGIC.length || PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufDecodeError('protobuf body does not start with the Kubernetes magic "k8s\\x00"');
  }
  let unknown: Fields;
  try {
    unknown = unknownType().decode(body.subarray(PROTOBUF_MAGIC.length)) as unknown as Fields;
  } catch (err) {
    throw new ProtobufDecodeError(`malformed protobuf envelope: ${errorText(err)}`, { cause: err });
  }
  const typeMeta = (unknown.typeMeta ?? {}) as Fields;
  const apiVersion = typeof typeMeta.apiVersion === 'string' ? typeMeta.apiVersion : '';
  const kind = typeof typeMeta.kind === 'string' ? typeMeta.kind : '';
  if (!apiVersion || !kind) {
    throw new ProtobufDecodeError(
      "Object 'Kind' is missing in the protobuf envelope (runtime.Unknown.typeMeta)",
    );
  }
  return {
    apiVersion,
    kind,
    raw: unknown.raw instanceof Uint8Array ? unknown.raw : new Uint8Array(0),
    contentEncoding: typeof unknown.contentEncoding === 'string' ? unknown.contentEncoding : '',
    contentType: typeof unknown.contentType === 'string' ? unknown.contentType : '',
  };
}

/**
 * Decodes a `application/vnd.kubernetes.protobuf` request body into the JSON a JSON client would have sent
 * for the same object, with `apiVersion` and `kind` taken from the envelope.
 *
 * @throws ProtobufDecodeError for a missing magic or malformed bytes (answer 400)
 * @throws UnsupportedProtobufKindError for an apiVersion/kind without a schema here (answer 415)
 */
export function decodeKubernetesProtobuf(body: Uint8Array): KubernetesObjectJson {
  const env = decodeEnvelope(body);
  if (env.contentEncoding !== '') {
    throw new ProtobufDecodeError(`unsupported protobuf contentEncoding "${env.contentEncoding}"`);
  }
  if (env.contentType !== '' && /json/i.test(env.contentType)) {
    // A JSON payload wrapped in the protobuf envelope (legal for runtime.Unknown, not sent by client-go).
    const parsed = parseJson(env.raw, 'raw JSON payload');
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ProtobufDecodeError('the raw JSON payload is not an object');
    }
    return { ...parsed, apiVersion: env.apiVersion, kind: env.kind };
  }
  const type = typeForKind(env.apiVersion, env.kind);
  if (!type) throw new UnsupportedProtobufKindError(env.apiVersion, env.kind);
  let msg: Fields;
  try {
    msg = type.decode(env.raw) as unknown as Fields;
  } catch (err) {
    throw new ProtobufDecodeError(
      `malformed protobuf ${env.kind} in version "${env.apiVersion}": ${errorText(err)}`,
      { cause: err },
    );
  }
  return { kind: env.kind, apiVersion: env.apiVersion, ...messageToJson(type, msg) };
}

/** Renders a decoded message of `type` as its Kubernetes JSON value. */
export function messageToJson(type: protobuf.Type, msg: Fields): JsonObject {
  return objectJson(planFor(type), msg);
}

function objectJson(plan: MessagePlan, msg: Fields): JsonObject {
  const out: JsonObject = {};
  for (const field of plan.fields) {
    const value = msg[field.name];
    if (field.shape === 'map') {
      if (value === null || typeof value !== 'object') continue;
      const keys = Object.keys(value);
      if (keys.length === 0) continue;
      const obj: JsonObject = {};
      for (const k of keys) obj[k] = fieldValue(field, (value as Fields)[k]);
      out[field.name] = obj;
    } else if (field.shape === 'repeated') {
      if (!Array.isArray(value) || value.length === 0) continue;
      out[field.name] = value.map((v: unknown) => fieldValue(field, v));
    } else {
      if (value === null || value === undefined || !Object.hasOwn(msg, field.name)) continue;
      const json = fieldValue(field, value);
      if (field.json === 'inline') {
        if (json !== null && typeof json === 'object' && !Array.isArray(json)) Object.assign(out, json);
        continue;
      }
      if (field.json !== 'keep' && field.message === undefined && isZero(json)) continue;
      out[field.name] = json;
    }
  }
  return out;
}

function fieldValue(field: FieldPlan, value: unknown): Json {
  if (field.message) return messageValue(planFor(field.message), value as Fields);
  return scalarValue(field.scalar, value);
}

function messageValue(plan: MessagePlan, msg: Fields): Json {
  switch (plan.special) {
    case 'time':
    case 'microTime': {
      const seconds = toNumber(msg.seconds);
      const nanos = toNumber(msg.nanos);
      if (seconds === 0 && nanos === 0) return null;
      try {
        return formatTime(seconds, nanos, plan.special === 'microTime');
      } catch (err) {
        throw new ProtobufDecodeError(`timestamp out of range: ${seconds}s`, { cause: err });
      }
    }
    case 'intOrString':
      return toNumber(msg.type) === 1 ? String(msg.strVal ?? '') : toNumber(msg.intVal);
    case 'quantity':
      return typeof msg.string === 'string' && msg.string !== '' ? msg.string : '0';
    case 'rawExtension':
      return msg.raw instanceof Uint8Array && msg.raw.length > 0 ? parseJson(msg.raw, 'RawExtension') : null;
    case 'fieldsV1':
      return msg.Raw instanceof Uint8Array && msg.Raw.length > 0 ? parseJson(msg.Raw, 'FieldsV1') : null;
    default:
      return objectJson(plan, msg);
  }
}

function scalarValue(type: string, value: unknown): Json {
  switch (type) {
    case 'bytes':
      return value instanceof Uint8Array
        ? Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64')
        : '';
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return toNumber(value);
    default:
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
      throw new ProtobufDecodeError(`unexpected value for a ${type} field`);
  }
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

/** A protobufjs integer (number or Long) as a JS number. */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'low' in v && 'high' in v) {
    const long = v as { low: number; high: number; unsigned?: boolean };
    return new protobuf.util.LongBits(long.low >>> 0, long.high >>> 0).toNumber(long.unsigned === true);
  }
  return 0;
}

function parseJson(bytes: Uint8Array, what: string): Json {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) as Json;
  } catch (err) {
    throw new ProtobufDecodeError(`${what} does not hold valid JSON`, { cause: err });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
