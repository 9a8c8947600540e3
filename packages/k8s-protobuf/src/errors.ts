/**
 * The decoder's expected failures. Each carries the HTTP code and Status reason the api server should
 * answer with and renders the `Status` body with `toStatus()`, so callers map them without string matching.
 */

/** The `meta.k8s.io/v1` Status body for a failed request (the subset these errors use). */
export interface ProtobufStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: 'BadRequest' | 'UnsupportedMediaType';
  code: number;
}

/** The body is not a Kubernetes protobuf envelope, or its bytes are malformed (HTTP 400). */
export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
  readonly code = 400;
  readonly reason = 'BadRequest';

  toStatus(): ProtobufStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
  }
}

/**
 * A well-formed envelope whose apiVersion/kind has no protobuf schema here (HTTP 415). kubectl does not
 * retry with JSON after a 415, so the message says what to do instead.
 */
export class UnsupportedProtobufKindError extends Error {
  override readonly name = 'UnsupportedProtobufKindError';
  readonly code = 415;
  readonly reason = 'UnsupportedMediaType';

  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(
      `the server cannot decode ${kind} in version "${apiVersion}" from application/vnd.kubernetes.protobuf; ` +
        'send it as JSON instead (for kubectl: `kubectl create ... --dry-run=client -o yaml | kubectl apply -f -`)',
    );
  }

  toStatus(): ProtobufStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
  }
}

/** A JSON object that {@link encodeKubernetesProtobuf} cannot represent with the schemas here. */
export class ProtobufEncodeError extends Error {
  override readonly name = 'ProtobufEncodeError';
}
