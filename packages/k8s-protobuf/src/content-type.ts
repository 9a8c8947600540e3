/** The media type of Kubernetes protobuf bodies. */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/**
 * Whether a Content-Type header names a single Kubernetes protobuf object (parameters ignored, except that
 * `stream=watch`, the length-prefixed watch framing, is not a single object).
 */
export function isKubernetesProtobuf(contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  const [media = '', ...params] = contentType.split(';');
  if (media.trim().toLowerCase() !== PROTOBUF_CONTENT_TYPE) return false;
  return !params.some((p) => p.trim().toLowerCase().startsWith('stream='));
}
