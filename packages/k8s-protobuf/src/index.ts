/**
 * @kubelab/k8s-protobuf: decodes the `application/vnd.kubernetes.protobuf` request bodies kubectl 1.32
 * sends for `create <generator>` and `autoscale` into the JSON a JSON client would have sent. Pure: no I/O.
 *
 * - {@link decodeKubernetesProtobuf}: body → JSON object (throws {@link ProtobufDecodeError} → 400,
 *   {@link UnsupportedProtobufKindError} → 415; both have `toStatus()`);
 * - {@link encodeKubernetesProtobuf}: the inverse, for tests and protobuf replies;
 * - {@link isKubernetesProtobuf}: the Content-Type check;
 * - {@link supportedProtobufKinds}: the apiVersion/kind pairs with a schema.
 *
 * The schemas are hand-written proto2 subsets of the upstream generated.proto files (src/proto/).
 */

export { PROTOBUF_CONTENT_TYPE, isKubernetesProtobuf } from './content-type.js';
export {
  PROTOBUF_MAGIC,
  type ProtobufEnvelope,
  decodeEnvelope,
  decodeKubernetesProtobuf,
} from './decode.js';
export { type EncodeOptions, encodeKubernetesProtobuf } from './encode.js';
export {
  ProtobufDecodeError,
  ProtobufEncodeError,
  type ProtobufStatus,
  UnsupportedProtobufKindError,
} from './errors.js';
export type { Json, JsonObject, KubernetesObjectJson } from './json.js';
export { type GroupVersionKind, supportedProtobufKinds } from './schema.js';
