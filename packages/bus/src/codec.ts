/**
 * Codecs turn typed values into NATS payload bytes and back. JSON is the default; {@link bytesCodec} carries raw
 * `Uint8Array`s untouched (the raft transport's compact binary messages). Decoding validates: a codec's
 * `decode` either returns a well-typed value or throws, and the bus wraps the throw in a `BusDecodeError`.
 */
import type { Decoder } from './schema.js';

/** Encodes `T` to bytes and decodes (validating) bytes to `T`. `decode` throws on a malformed payload. */
export interface Codec<T> {
  /** `json`, `bytes` or `empty`: recorded on spans and in logs. */
  readonly kind: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const utf8Encoder = new TextEncoder();
// fatal: a payload that is not valid UTF-8 is rejected rather than silently mangled.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON codec whose `decode` parses and then validates with `decoder` (see `s` in schema.ts).
 *
 * @example
 * const pingCodec = jsonCodec(s.object({ seq: s.integer }));
 * pingCodec.decode(pingCodec.encode({ seq: 1 })); // { seq: 1 }
 */
export function jsonCodec<T>(decoder: Decoder<T>): Codec<T> {
  return {
    kind: 'json',
    encode: (value) => utf8Encoder.encode(JSON.stringify(value)),
    decode: (bytes) => {
      if (bytes.length === 0) throw new Error('empty payload, expected JSON');
      return decoder(decodeJson(bytes));
    },
  };
}

/** Raw bytes, passed through untouched: no JSON, no copy, no validation beyond "it is bytes". */
export const bytesCodec: Codec<Uint8Array> = {
  kind: 'bytes',
  encode: (value) => value,
  decode: (bytes) => bytes,
};

/** No payload at all (e.g. a health probe): encodes to zero bytes and ignores whatever arrives. */
export const emptyCodec: Codec<undefined> = {
  kind: 'empty',
  encode: () => new Uint8Array(0),
  decode: () => undefined,
};

/** Encodes any JSON value without validation; only for the bus' own error bodies and logs. */
export function encodeJson(value: unknown): Uint8Array {
  return utf8Encoder.encode(JSON.stringify(value));
}

/** Parses JSON bytes without validation (the caller validates the result). Throws on malformed input. */
export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(utf8Decoder.decode(bytes));
}
