/**
 * The Kubernetes API over NATS, for kubelab's own services (scheduler, controller, node, dns). It is the same
 * API kubectl uses over HTTP — same verbs, query parameters, objects and Status errors — carried as one
 * request/reply endpoint that any api replica answers (queue group `api`), plus watch streams:
 *
 * 1. the client picks a stream id, subscribes to `apiStream(streamId)`, then requests `apiWatch` with it;
 * 2. the replica that takes the request answers `{code: 200}` (or an error code and Status) and publishes
 *    {@link ApiWatchFrame}s to the stream: events, periodic HEARTBEATs, and a final END or ERROR;
 * 3. the client publishes to `apiCancel(streamId)` to stop early. A client that sees no frame for
 *    `heartbeatMs × 3` treats the replica as gone and re-watches from its last resourceVersion.
 */
import { type Codec, emptyCodec, jsonCodec } from './codec.js';
import { defineEndpoint, defineTopic } from './endpoint.js';
import { s } from './schema.js';
import { subjects } from './subjects.js';

/** A writer's fencing token (STYLE.md principle 8): the api refuses tokens older than the newest seen. */
export interface ApiFence {
  readonly lease: string;
  readonly token: number;
}

/** One API call: the HTTP request kubectl would send, as data. */
export interface ApiRequest {
  /** get, list, create, update, patch, delete, deletecollection. */
  readonly verb: string;
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, e.g. `pods`. */
  readonly resource: string;
  readonly subresource?: string | undefined;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  /** Query parameters as Kubernetes names them: labelSelector, fieldSelector, limit, continue, … */
  readonly query?: Record<string, string> | undefined;
  readonly body?: unknown;
  /** Content type of a patch body, e.g. `application/merge-patch+json`. */
  readonly patchType?: string | undefined;
  /** The calling service's bearer token. */
  readonly token?: string | undefined;
  readonly fence?: ApiFence | undefined;
  /** W3C traceparent is carried in NATS headers by the bus; nothing to do here. */
}

/** The answer: an HTTP status code and the body (object, list or Status). */
export interface ApiResponse {
  readonly code: number;
  readonly body: unknown;
}

export interface ApiWatchRequest extends ApiRequest {
  readonly streamId: string;
  /** How often the replica sends HEARTBEAT frames. */
  readonly heartbeatMs?: number | undefined;
}

/** A frame of a watch stream; `seq` increases by one per frame so a client can detect loss. */
export interface ApiWatchFrame {
  readonly seq: number;
  /** ADDED, MODIFIED, DELETED, BOOKMARK, ERROR (object is a Status), HEARTBEAT, END. */
  readonly type: string;
  readonly object?: unknown;
}

/**
 * A JSON value already encoded as UTF-8 bytes, to be placed verbatim where a value is expected. The api
 * encodes each stored object once and hands the same bytes to every watch stream that carries it, instead
 * of serializing the object again per watcher. The stream codec splices the bytes into the frame; any other
 * JSON.stringify sees the parsed value through `toJSON` (correct, only slower).
 */
export class EncodedJson {
  /** `bytes` must be one complete JSON value (the caller's JSON.stringify output, UTF-8 encoded). */
  constructor(readonly bytes: Uint8Array) {}

  toJSON(): unknown {
    return JSON.parse(utf8Decoder.decode(this.bytes));
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();
const CLOSE_BRACE = 0x7d;

const fenceDecoder = s.object({ lease: s.string, token: s.integer });
const requestShape = {
  verb: s.string,
  group: s.string,
  version: s.string,
  resource: s.string,
  subresource: s.optional(s.string),
  namespace: s.optional(s.string),
  name: s.optional(s.string),
  query: s.optional(s.record(s.string)),
  body: s.optional(s.unknown),
  patchType: s.optional(s.string),
  token: s.optional(s.string),
  fence: s.optional(fenceDecoder),
};

export const decodeApiRequest = s.object(requestShape);
export const decodeApiWatchRequest = s.object({
  ...requestShape,
  streamId: s.string,
  heartbeatMs: s.optional(s.integer),
});
export const decodeApiResponse = s.object({ code: s.integer, body: s.unknown });
export const decodeApiWatchFrame = s.object({
  seq: s.integer,
  type: s.string,
  object: s.optional(s.unknown),
});

const frameJson = jsonCodec<ApiWatchFrame>(decodeApiWatchFrame);

/**
 * Watch frames as JSON; a frame whose object is {@link EncodedJson} is written as
 * `{"seq":…,"type":…,"object":<bytes>}` without serializing the object again (the same bytes on the wire
 * as JSON.stringify of the parsed object would give).
 */
export const watchFrameCodec: Codec<ApiWatchFrame> = {
  kind: 'json',
  encode: (frame) =>
    frame.object instanceof EncodedJson
      ? splice(
          `{"seq":${JSON.stringify(frame.seq)},"type":${JSON.stringify(frame.type)},"object":`,
          frame.object.bytes,
        )
      : frameJson.encode(frame),
  decode: (bytes) => frameJson.decode(bytes),
};

const responseJson = jsonCodec<ApiResponse>(decodeApiResponse);

/**
 * API responses as JSON; a body that is {@link EncodedJson} (a stored object the api has already encoded for
 * its watchers) is spliced in as `{"code":…,"body":<bytes>}`.
 */
export const apiResponseCodec: Codec<ApiResponse> = {
  kind: 'json',
  encode: (res) =>
    res.body instanceof EncodedJson
      ? splice(`{"code":${JSON.stringify(res.code)},"body":`, res.body.bytes)
      : responseJson.encode(res),
  decode: (bytes) => responseJson.decode(bytes),
};

/** `head` + `bytes` + `}` as one buffer. */
function splice(head: string, bytes: Uint8Array): Uint8Array {
  const h = utf8Encoder.encode(head);
  const out = new Uint8Array(h.length + bytes.length + 1);
  out.set(h, 0);
  out.set(bytes, h.length);
  out[out.length - 1] = CLOSE_BRACE;
  return out;
}

/** The API endpoints and topics. */
export const apiEndpoints = {
  /** One API call; any api replica answers. */
  request: defineEndpoint({
    name: 'api.request',
    subject: () => subjects.apiRequest(),
    request: jsonCodec<ApiRequest>(decodeApiRequest),
    response: apiResponseCodec,
    timeoutMs: 30_000,
  }),
  /** Opens a watch stream (see the module comment). */
  watch: defineEndpoint({
    name: 'api.watch',
    subject: () => subjects.apiWatch(),
    request: jsonCodec<ApiWatchRequest>(decodeApiWatchRequest),
    response: jsonCodec<ApiResponse>(decodeApiResponse),
    timeoutMs: 10_000,
  }),
} as const;

export const apiTopics = {
  /** A watch stream's frames. */
  stream: defineTopic({
    name: 'api.stream',
    subject: (streamId: string) => subjects.apiStream(streamId),
    codec: watchFrameCodec,
  }),
  /** A client's request to end its stream. */
  cancel: defineTopic({
    name: 'api.cancel',
    subject: (streamId: string) => subjects.apiCancel(streamId),
    codec: emptyCodec,
  }),
} as const;

/** The queue group api replicas serve the API endpoints in. */
export const API_QUEUE = 'api';
