/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log` over HTTP: the node's text chunks as a chunked `text/plain`
 * body. The status line waits for the first chunk (as kube-apiserver's proxy to kubelet does), so a node's
 * refusal — an unknown container, a container still waiting to start — becomes the HTTP status kubectl
 * prints. With `follow=true` the body stays open until the container ends or the client goes away (which
 * cancels the call on the node).
 */
import type { NodeLogsRequest } from '@kubelab/bus';
import type { RequestUser } from '../core/handler.js';
import { type PodRef, type PodStreams, nodeRpcStatus } from '../core/pod-streams.js';
import { jsonResponse, renderResponse } from './response.js';

const encoder = new TextEncoder();
/**
 * A fresh header record per response: @hono/node-server writes Content-Length into a plain-object `headers`
 * it was given (responseViaCache), so a shared object would carry one response's length into the next.
 */
const textHeaders = () => ({ 'content-type': 'text/plain' });

/** A readable byte stream over the rest of `it`, after `first`; cancelling it aborts the call. */
function bodyStream(
  first: string,
  it: AsyncIterator<string>,
  abort: AbortController,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(first));
    },
    async pull(controller) {
      try {
        const next = await it.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch {
        // A failure after the status line can only end the body (kube-apiserver does the same).
        controller.close();
      }
    },
    async cancel() {
      abort.abort();
      await it.return?.();
    },
  });
}

/** Starts the node's log stream and answers once its first chunk (or its refusal) arrives. */
async function streamLog(
  streams: PodStreams,
  nodeName: string,
  request: NodeLogsRequest,
  clientSignal: AbortSignal | undefined,
): Promise<Response> {
  const abort = new AbortController();
  const onClientGone = () => abort.abort();
  clientSignal?.addEventListener('abort', onClientGone, { once: true });
  const it = streams.logs(nodeName, request, abort.signal)[Symbol.asyncIterator]();
  let first: IteratorResult<string>;
  try {
    first = await it.next();
  } catch (err) {
    clientSignal?.removeEventListener('abort', onClientGone);
    const status = nodeRpcStatus(err);
    return jsonResponse(status.code, status);
  }
  if (first.done) return new Response('', { status: 200, headers: textHeaders() });
  return new Response(bodyStream(first.value, it, abort), { status: 200, headers: textHeaders() });
}

/**
 * Answers a `pods/log` GET.
 *
 * @example
 * if (path.resource === 'pods' && path.subresource === 'log') return servePodLog(streams, ref, query, user, c.req.raw.signal);
 */
export async function servePodLog(
  streams: PodStreams,
  ref: PodRef,
  query: Record<string, string>,
  user: RequestUser,
  clientSignal?: AbortSignal,
): Promise<Response> {
  const target = await streams.resolveLogs(ref, query, user);
  if (!target.ok) return renderResponse(target.response);
  // An unscheduled pod has no log yet: kube-apiserver answers with an empty body.
  if (target.nodeName === undefined) return new Response('', { status: 200, headers: textHeaders() });
  return streamLog(streams, target.nodeName, target.request, clientSignal);
}
