/**
 * @kubelab/bus: the only code in kubelab that knows NATS subjects. Typed endpoints (request/reply with an
 * error envelope and timeouts), typed topics (publish/subscribe as async iterators), validating codecs
 * (JSON by default, raw bytes for binary endpoints), W3C trace context across hops, reconnect and drain.
 *
 * @example
 * const bus = await connectBus({ servers: natsUrl, name: 'api-0', logger });
 * await serveHealth(bus, { role: 'api', id: 'api-0', probe: () => ({ ready: true }) });
 * const report = await bus.request(endpoints.health('api', 'api-0'));
 * await bus.drain();
 */
export type { BusConfig, GatherOptions, GatherReply, RequestArgs, RequestOptions } from './bus.js';
export { Bus } from './bus.js';
export type { Codec } from './codec.js';
export { bytesCodec, emptyCodec, jsonCodec } from './codec.js';
export type { BusOptions } from './connect.js';
export { connectBus } from './connect.js';
export type {
  BoundEndpoint,
  BoundTopic,
  Endpoint,
  EndpointDefinition,
  Topic,
  TopicDefinition,
} from './endpoint.js';
export { defineEndpoint, defineTopic } from './endpoint.js';
export type { HealthReport } from './endpoints.js';
export { decodeHealthReport, endpoints, topics } from './endpoints.js';
export { ERROR_HEADER } from './envelope.js';
export type { ErrorBody } from './errors.js';
export {
  BusClosedError,
  BusDecodeError,
  BusError,
  BusNoRespondersError,
  BusRemoteError,
  BusTimeoutError,
  ErrorCode,
  errors,
} from './errors.js';
export type { HealthProbe, ServeHealthOptions } from './health.js';
export { discoverHealth, serveHealth } from './health.js';
export type { Handler, HandlerContext, Responder, ServeOptions } from './responder.js';
export type { Decoder } from './schema.js';
export { SchemaError, s } from './schema.js';
export { raftInbox, SUBJECT_PREFIX, subjectToken, subjects } from './subjects.js';
export type { BusSubscription, Delivery, SubscribeOptions } from './subscription.js';
export type { ApiFence, ApiRequest, ApiResponse, ApiWatchFrame, ApiWatchRequest } from './api-endpoints.js';
export {
  API_QUEUE,
  apiEndpoints,
  apiResponseCodec,
  apiTopics,
  decodeApiRequest,
  decodeApiResponse,
  decodeApiWatchFrame,
  decodeApiWatchRequest,
  EncodedJson,
  watchFrameCodec,
} from './api-endpoints.js';
export type { NatsRaftTransportOptions } from './raft-transport.js';
export { createNatsRaftTransport, FRAME_VERSION, FrameError } from './raft-transport.js';
export { raftEndpoints } from './raft-endpoints.js';
export type {
  NodeExecIO,
  NodeExecRequest,
  NodeExecResult,
  NodeLogsRequest,
  NodeRpcClient,
  NodeRpcControl,
  NodeRpcFrame,
  NodeRpcHandlers,
  NodeRpcOpen,
  NodeRpcOptions,
  NodeRpcStatus,
} from './node-rpc.js';
export { NodeRpcError, nodeRpcClient, nodeRpcEndpoints, nodeRpcTopics, serveNodeRpc } from './node-rpc.js';
