/**
 * The reply envelope: logically `{ok: true, data}` or `{ok: false, error: {code, message, details?}}`.
 *
 * On the wire the `ok` flag travels in a header, not in the body (as nats.js' services do with
 * `Nats-Service-Error-Code`): a success reply's body is exactly the response codec's bytes, so binary
 * endpoints stay compact (no base64 inside JSON) and JSON ones are not wrapped. A failure reply carries the
 * header `Kubelab-Error: <code>` and a JSON {@link ErrorBody} as its body. Headers are already needed for
 * trace context, so this costs nothing extra.
 */
import { type Msg, type MsgHdrs, headers as natsHeaders } from 'nats';
import { type Codec, decodeJson, encodeJson } from './codec.js';
import { BusDecodeError, type ErrorBody } from './errors.js';
import { s } from './schema.js';

/** The header that marks a failure reply; its value is the error code. */
export const ERROR_HEADER = 'Kubelab-Error';

/** A decoded reply. */
export type Reply<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly error: ErrorBody };

/** Bytes and headers ready for `msg.respond`. */
export interface WireReply {
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
}

const decodeErrorBody = s.object({
  code: s.string,
  message: s.string,
  details: s.optional(s.record(s.unknown)),
});

/** Encodes a failure reply. */
export function encodeFailure(error: ErrorBody): WireReply {
  const hdrs = natsHeaders();
  hdrs.set(ERROR_HEADER, error.code);
  return { data: encodeJson(error), headers: hdrs };
}

/** Encodes a success reply; throws if the codec cannot encode `value` (the caller turns that into a failure). */
export function encodeSuccess<T>(codec: Codec<T>, value: T): WireReply {
  return { data: codec.encode(value), headers: undefined };
}

/**
 * Decodes and validates a reply received on `subject`. Throws {@link BusDecodeError} when the body does not
 * match the response codec (or a failure reply's body is not an error body).
 */
export function decodeReply<T>(msg: Msg, codec: Codec<T>, subject: string): Reply<T> {
  const code = msg.headers?.get(ERROR_HEADER);
  if (code) {
    try {
      return { ok: false, error: decodeErrorBody(decodeJson(msg.data)) };
    } catch (cause) {
      throw new BusDecodeError(subject, `error reply (code ${code})`, { cause });
    }
  }
  try {
    return { ok: true, data: codec.decode(msg.data) };
  } catch (cause) {
    throw new BusDecodeError(subject, 'reply', { cause });
  }
}
